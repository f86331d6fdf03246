package quality

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// dailySeries returns n days of values from gen, starting on a Monday.
func dailySeries(n int, gen func(i int) float64) series {
	s := series{first: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), values: make([]float64, n), has: make([]bool, n)}
	for i := range n {
		s.values[i], s.has[i] = gen(i), true
	}
	return s
}

func anomalousDays(bs []Bucket) []int {
	var out []int
	for i, b := range bs {
		if b.Anomalous {
			out = append(out, i)
		}
	}
	return out
}

func TestDetectSpikeNotNormalWeek(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := dailySeries(70, func(int) float64 { return float64(50 + r.IntN(101)) })
	d := Detection{}.withDefaults(Log)
	if got := anomalousDays(detect(s, d, nil)); len(got) != 0 {
		t.Fatalf("normal weeks flagged on days %v", got)
	}
	s.values[60] *= 6
	s.values[65] = 3
	bs := detect(s, d, nil)
	if got := anomalousDays(bs); len(got) != 2 || got[0] != 60 || got[1] != 65 {
		t.Fatalf("anomalies on days %v, want [60 65]", got)
	}
	b := bs[60]
	if !b.Trained || b.TrainingPoints != 28 || !(b.Lower < b.Expected && b.Expected < b.Upper) || b.Value <= b.Upper || b.Score < 3 {
		t.Errorf("spike bucket %+v", b)
	}
	// The spike is a gross outlier: it does not widen the band after it.
	if after := bs[61]; math.Abs(after.Upper-bs[59].Upper) > 0.2*bs[59].Upper {
		t.Errorf("band after the spike %v..%v, before %v..%v", after.Lower, after.Upper, bs[59].Lower, bs[59].Upper)
	}
	// The warm-up is judged in hindsight, once 14 days have values.
	if b := bs[5]; !b.Trained || b.Anomalous || b.TrainingPoints != 14 {
		t.Errorf("early bucket %+v", b)
	}
	// Too little history: no band, no anomaly.
	short := s
	short.values, short.has = s.values[:10], s.has[:10]
	if b := detect(short, d, nil)[5]; b.Trained || b.Anomalous || b.TrainingPoints != 0 {
		t.Errorf("early bucket of a short series %+v", b)
	}
}

func TestDetectFaultsInTrainingDoNotWidenTheBand(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	clean := dailySeries(90, func(int) float64 { return float64(90 + r.IntN(21)) })
	d := Detection{}.withDefaults(Log)
	want := detect(clean, d, nil)
	faulty := clean
	faulty.values = slices.Clone(clean.values)
	// A zero-row day in the warm-up, then a fifth of the days faulty.
	faults := []int{3, 20, 26, 33, 41, 47, 52, 58, 64, 70}
	for k, i := range faults {
		faulty.values[i] = []float64{0, 700}[k%2]
	}
	got := detect(faulty, d, nil)
	if days := anomalousDays(got); !slices.Equal(days, faults) {
		t.Fatalf("anomalies on days %v, want %v", days, faults)
	}
	for i := 15; i < 90; i++ {
		if math.Abs(got[i].Upper-want[i].Upper) > 0.1*want[i].Upper || math.Abs(got[i].Lower-want[i].Lower) > 0.1*want[i].Lower {
			t.Fatalf("day %d: band %.0f..%.0f with faults, %.0f..%.0f without", i, got[i].Lower, got[i].Upper, want[i].Lower, want[i].Upper)
		}
	}
}

func TestDetectKnownVerdictsAreKept(t *testing.T) {
	s := dailySeries(40, func(i int) float64 { return float64(100 + i%5) })
	d := Detection{}.withDefaults(Log)
	// An earlier run found day 30 anomalous: it stays so, is carried, and
	// does not train the days after it.
	known := map[int]Bucket{30: {Day: "2026-02-04", Value: 102, HasValue: true, Trained: true, Anomalous: true, Expected: 50}}
	bs := detect(s, d, known)
	if b := bs[30]; !b.Carried || !b.Anomalous || b.Expected != 50 {
		t.Errorf("carried bucket %+v", b)
	}
	if b := bs[31]; b.Carried || b.Anomalous || b.TrainingPoints != 27 {
		t.Errorf("the day after %+v", b)
	}
}

func TestDetectSeasonality(t *testing.T) {
	// Weekends are quiet: 20 rows against 100 on weekdays.
	weekly := func(i int) float64 {
		if i%7 >= 5 {
			return 20
		}
		return 100 + float64(i%3)
	}
	s := dailySeries(7*20, weekly)
	plain := Detection{TrainingDays: 14, MinTrainingPoints: 7}.withDefaults(Linear)
	seasonal := plain
	seasonal.Seasonality = DayOfWeek
	bs := detect(s, seasonal, nil)
	if got := anomalousDays(bs); len(got) != 0 {
		t.Fatalf("with day-of-week seasonality, weekends flagged on days %v", got)
	}
	// A Wednesday at the weekend level: anomalous for a Wednesday, but
	// hidden in the wide band of a mixed week without seasonality.
	s.values[7*18+2] = 20
	if got := anomalousDays(detect(s, seasonal, nil)); len(got) != 1 || got[0] != 7*18+2 {
		t.Fatalf("quiet Wednesday, seasonal: anomalies %v", got)
	}
	// Without seasonality the band is the weekdays', the majority: every
	// weekend is anomalous. That is what DayOfWeek is for.
	got := anomalousDays(detect(s, plain, nil))
	if !slices.Contains(got, 7*18+2) || !slices.Contains(got, 7*18+5) || !slices.Contains(got, 7*18+6) {
		t.Fatalf("no seasonality: anomalies %v, want the weekends and the quiet Wednesday", got)
	}
	if b := bs[7*19+5]; b.Expected != 20 || b.TrainingPoints != 14 {
		t.Errorf("Saturday's band %+v", b)
	}
}

func TestDetectConstantDirectionAndSmallChanges(t *testing.T) {
	s := dailySeries(40, func(int) float64 { return 24 })
	s.values[35] = 48
	d := Detection{}.withDefaults(Linear)
	bs := detect(s, d, nil)
	if got := anomalousDays(bs); len(got) != 1 || got[0] != 35 {
		t.Fatalf("constant series: anomalies %v", got)
	}
	if b := bs[35]; b.Lower != 24 || b.Upper != 24 || b.Score != 0 {
		t.Errorf("zero-width band %+v", b)
	}
	drop := d
	drop.Direction = Drop
	if got := anomalousDays(detect(s, drop, nil)); len(got) != 0 {
		t.Errorf("drop-only detection flagged a rise: %v", got)
	}
	small := d
	small.MinSpikePercent = 150
	if got := anomalousDays(detect(s, small, nil)); len(got) != 0 {
		t.Errorf("a 100%% rise under a 150%% spike threshold flagged: %v", got)
	}
	small.MinSpikePercent, small.MinDropPercent = 0, 150
	if got := anomalousDays(detect(s, small, nil)); len(got) != 1 {
		t.Errorf("a drop threshold ignored a rise: %v", got)
	}
	// Missing values are neither trained on nor judged.
	s.has[36] = false
	if b := detect(s, d, nil)[36]; b.Anomalous || b.HasValue {
		t.Errorf("missing bucket %+v", b)
	}
}

func TestDetectLevelShiftIsLearnt(t *testing.T) {
	// Volume doubles for good on day 40: the first days are anomalous,
	// then the new level becomes normal.
	s := dailySeries(120, func(i int) float64 {
		v := 100 + float64(i%5)
		if i >= 40 {
			v *= 2
		}
		return v
	})
	bs := detect(s, Detection{}.withDefaults(Log), nil)
	got := anomalousDays(bs)
	if len(got) == 0 || got[0] != 40 || got[len(got)-1] > 40+28 {
		t.Fatalf("level shift: anomalies %v", got)
	}
	if bs[119].Anomalous {
		t.Error("the new level is still anomalous after months")
	}
}

func TestDetectionValidation(t *testing.T) {
	for _, d := range []Detection{
		{TrainingDays: 1},
		{Sensitivity: -1},
		{MinTrainingPoints: 40},
		{Seasonality: "monthly"},
		{Direction: "up"},
		{Scale: "sqrt"},
		{MinSpikePercent: -5},
		{MinDropPercent: math.NaN()},
	} {
		if err := d.withDefaults(Linear).validate(); err == nil {
			t.Errorf("%+v: no error", d)
		}
	}
}
