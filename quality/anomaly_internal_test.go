package quality

import (
	"math"
	"math/rand/v2"
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
	if got := anomalousDays(detect(s, d)); len(got) != 0 {
		t.Fatalf("normal weeks flagged on days %v", got)
	}
	s.values[60] *= 6
	s.values[65] = 3
	bs := detect(s, d)
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
	// Too little history: no band, no anomaly.
	if b := bs[5]; b.Trained || b.Anomalous || b.TrainingPoints != 5 {
		t.Errorf("early bucket %+v", b)
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
	bs := detect(s, seasonal)
	if got := anomalousDays(bs); len(got) != 0 {
		t.Fatalf("with day-of-week seasonality, weekends flagged on days %v", got)
	}
	// A Wednesday at the weekend level: anomalous for a Wednesday, but
	// hidden in the wide band of a mixed week without seasonality.
	s.values[7*18+2] = 20
	if got := anomalousDays(detect(s, seasonal)); len(got) != 1 || got[0] != 7*18+2 {
		t.Fatalf("quiet Wednesday, seasonal: anomalies %v", got)
	}
	if got := anomalousDays(detect(s, plain)); len(got) != 0 {
		t.Fatalf("quiet Wednesday, no seasonality: anomalies %v (the mixed week's band should hide it)", got)
	}
	if b := bs[7*19+5]; b.Expected != 20 || b.TrainingPoints != 14 {
		t.Errorf("Saturday's band %+v", b)
	}
}

func TestDetectConstantDirectionAndSmallChanges(t *testing.T) {
	s := dailySeries(40, func(int) float64 { return 24 })
	s.values[35] = 48
	d := Detection{}.withDefaults(Linear)
	bs := detect(s, d)
	if got := anomalousDays(bs); len(got) != 1 || got[0] != 35 {
		t.Fatalf("constant series: anomalies %v", got)
	}
	if b := bs[35]; b.Lower != 24 || b.Upper != 24 || b.Score != 0 {
		t.Errorf("zero-width band %+v", b)
	}
	drop := d
	drop.Direction = Drop
	if got := anomalousDays(detect(s, drop)); len(got) != 0 {
		t.Errorf("drop-only detection flagged a rise: %v", got)
	}
	small := d
	small.MinSpikePercent = 150
	if got := anomalousDays(detect(s, small)); len(got) != 0 {
		t.Errorf("a 100%% rise under a 150%% spike threshold flagged: %v", got)
	}
	small.MinSpikePercent, small.MinDropPercent = 0, 150
	if got := anomalousDays(detect(s, small)); len(got) != 1 {
		t.Errorf("a drop threshold ignored a rise: %v", got)
	}
	// Missing values are neither trained on nor judged.
	s.has[36] = false
	if b := detect(s, d)[36]; b.Anomalous || b.HasValue {
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
	bs := detect(s, Detection{}.withDefaults(Log))
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
