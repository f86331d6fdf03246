package quality

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/edqm/edqm"
)

// Seasonality says which past buckets a bucket is compared with.
type Seasonality string

// Seasonalities.
const (
	// NoSeasonality compares a day with the days just before it.
	NoSeasonality Seasonality = ""
	// DayOfWeek compares a day with the same weekday of earlier weeks
	// (Elementary's seasonality: day_of_week).
	DayOfWeek Seasonality = "day_of_week"
)

// Direction says which side of the band is anomalous.
type Direction string

// Directions.
const (
	// Both: a value above or below the band (the default).
	Both Direction = "both"
	// Spike: only a value above the band.
	Spike Direction = "spike"
	// Drop: only a value below the band.
	Drop Direction = "drop"
)

// Scale is the scale the z-score is computed on.
type Scale string

// Scales.
const (
	// Linear: the values as they are.
	Linear Scale = "linear"
	// Log: log(1 + value), for counts, whose changes are multiplicative:
	// on the log scale a day with a fifth of the usual rows is as far from
	// the mean as a day with five times as many. Negative values are
	// treated as 0.
	Log Scale = "log"
)

// Detection configures the anomaly detection of a monitor: a robust
// z-score (median and median absolute deviation) over a training window
// of days the monitor judged normal. The zero value means the defaults
// documented on each field.
//
// For each daily bucket, the training window is the buckets of the
// TrainingDays days before it (with DayOfWeek seasonality: the same
// weekday in the TrainingDays weeks before it, so the number of points is
// the same). Only buckets judged normal train: a bucket with no value, an
// anomalous one, or one the monitor has not judged yet is never trusted.
// The expected value is the training median; the band is median ±
// Sensitivity × scale, the scale being 1.4826 × the median absolute
// deviation (the standard deviation, for normal data), or 1.2533 × the
// mean absolute deviation from the median when more than half of the
// training values are equal (Iglewicz and Hoaglin's modified z-score).
// With fewer than half of the window anomalous, the median and that scale
// do not move however far the anomalies are: a fault cannot widen the
// band. On the Log scale a scale that is not 0 is at least
// 1 ÷ √(1 + expected), a count's own noise (Poisson's), so that a count of
// a few rows a day does not alarm at every change of one row. A bucket
// outside the band is anomalous; when the training values are all equal,
// the band has no width and any other value is anomalous (a dimension
// value never seen before, say).
//
// Warm-up: a bucket with fewer than MinTrainingPoints normal buckets in
// its window has no band. Once the window holds MinTrainingPoints buckets
// that are normal or not judged yet, those not judged are judged in
// hindsight, against the band of all of them, and the anomalous ones left
// out: a fault in the first days of a series does not stay in its
// training. When more than half of a window's buckets are anomalous, the
// new level is accepted as normal: all of them train.
type Detection struct {
	// TrainingDays is the training window in days; default 28.
	TrainingDays int `json:"training_days"`
	// DetectionDays is how many of the latest days are checked and
	// reported; default 2. With a results history (RunOptions.History), a
	// day an earlier run judged keeps its recorded verdict (Bucket.Carried)
	// and a day no run has judged yet is judged and reported even when it
	// is older than the window: a daily job judges every day exactly once,
	// whatever its detection window.
	DetectionDays int `json:"detection_days"`
	// MinTrainingPoints is the fewest normal buckets needed for a band;
	// a bucket with fewer gets status no_data. Default 14, at most
	// TrainingDays.
	MinTrainingPoints int `json:"min_training_points"`
	// Sensitivity is the band's half-width in standard deviations; default
	// 3 (Elementary's anomaly_sensitivity).
	Sensitivity float64 `json:"sensitivity"`
	// Seasonality is NoSeasonality (default) or DayOfWeek.
	Seasonality Seasonality `json:"seasonality,omitempty"`
	// Direction is Both (default), Spike or Drop.
	Direction Direction `json:"direction"`
	// Scale is Linear or Log; the default depends on the monitor: Log for
	// volume and dimension counts, Linear otherwise.
	Scale Scale `json:"scale"`
	// MinSpikePercent and MinDropPercent ignore rises and falls smaller
	// than these percentages of the expected value, even outside the band
	// (Elementary's ignore_small_changes: spike_failure_percent_threshold,
	// drop_failure_percent_threshold); default 0.
	MinSpikePercent float64 `json:"min_spike_percent,omitempty"`
	MinDropPercent  float64 `json:"min_drop_percent,omitempty"`
}

// withDefaults fills the zero fields; scale is the monitor's default.
func (d Detection) withDefaults(scale Scale) Detection {
	if d.TrainingDays == 0 {
		d.TrainingDays = 28
	}
	if d.DetectionDays == 0 {
		d.DetectionDays = 2
	}
	if d.MinTrainingPoints == 0 {
		d.MinTrainingPoints = min(14, d.TrainingDays)
	}
	if d.Sensitivity == 0 {
		d.Sensitivity = 3
	}
	if d.Direction == "" {
		d.Direction = Both
	}
	if d.Scale == "" {
		d.Scale = scale
	}
	return d
}

// validate checks a Detection after defaults.
func (d Detection) validate() error {
	switch {
	case d.TrainingDays < 2:
		return fmt.Errorf("training days %d: want at least 2", d.TrainingDays)
	case d.DetectionDays < 1:
		return fmt.Errorf("detection days %d: want at least 1", d.DetectionDays)
	case d.MinTrainingPoints < 2 || d.MinTrainingPoints > d.TrainingDays:
		return fmt.Errorf("min training points %d: want 2 to the training days (%d)", d.MinTrainingPoints, d.TrainingDays)
	case !(d.Sensitivity > 0) || math.IsInf(d.Sensitivity, 0):
		return fmt.Errorf("sensitivity %v: want a positive number", d.Sensitivity)
	case !(d.MinSpikePercent >= 0) || !(d.MinDropPercent >= 0):
		return fmt.Errorf("min spike and drop percents %v, %v: want 0 or more", d.MinSpikePercent, d.MinDropPercent)
	}
	switch d.Seasonality {
	case NoSeasonality, DayOfWeek:
	default:
		return fmt.Errorf("seasonality %q: want day_of_week or nothing", d.Seasonality)
	}
	switch d.Direction {
	case Both, Spike, Drop:
	default:
		return fmt.Errorf("direction %q: want both, spike or drop", d.Direction)
	}
	switch d.Scale {
	case Linear, Log:
	default:
		return fmt.Errorf("scale %q: want linear or log", d.Scale)
	}
	return nil
}

// lookback is the number of days before the detection window that the
// detection needs: the training window of the first detected day, and as
// much again so that the training buckets are themselves checked (and
// anomalous ones left out).
func (d Detection) lookback() int {
	span := d.TrainingDays
	if d.Seasonality == DayOfWeek {
		span *= 7
	}
	return 2 * span
}

// Bucket is one day of a monitor's series with its expected band. Values,
// Expected, Lower and Upper are on the metric's own scale: with a Log
// scale, Expected is the training median (of 1 + value, less 1) and the
// band is asymmetric around it.
type Bucket struct {
	// Day is the bucket's day, YYYY-MM-DD.
	Day string `json:"day"`
	// Dimension is the dimension value (dimension monitors only).
	Dimension string `json:"dimension,omitempty"`
	// Value is the metric; HasValue is false when the bucket has no data
	// to compute it from (a column metric on an empty day).
	Value    float64 `json:"value"`
	HasValue bool    `json:"has_value"`
	// Expected is the training median; Lower and Upper bound the band.
	Expected float64 `json:"expected"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	// Score is the robust z-score, (value − median) ÷ scale on the
	// detection scale (see [Detection]); 0 when the band has no width.
	Score float64 `json:"score"`
	// TrainingPoints is the number of buckets the band was computed from
	// (0 for a carried bucket).
	TrainingPoints int `json:"training_points"`
	// Trained is false when there were fewer than MinTrainingPoints; then
	// the bucket has no band and is not anomalous.
	Trained   bool `json:"trained"`
	Anomalous bool `json:"anomalous"`
	// Carried is true when the verdict is an earlier run's, read from the
	// results history: the day was judged once, by that run.
	Carried bool `json:"carried,omitempty"`
}

// series is a daily series: values[i] is the value of day first+i; has[i]
// is false when there is none.
type series struct {
	first  time.Time
	values []float64
	has    []bool
}

// verdict is what a bucket is worth as training data.
type verdict uint8

const (
	// unjudged: no band yet, or no value; never trains.
	unjudged verdict = iota
	// normal: judged inside its band; trains.
	normal
	// anomalous: judged outside its band; trains only when most of a
	// window is (a new level).
	anomalous
)

// detector is the state of one pass of detection over a series.
type detector struct {
	d     Detection
	tr    []float64 // values on the detection scale
	has   []bool
	out   []Bucket
	state []verdict
	step  int
}

// detect checks every bucket of s in order and returns them all; the
// caller keeps the detection window. known holds verdicts judged earlier
// (by index), used as they are (Carried) instead of being judged again.
func detect(s series, d Detection, known map[int]Bucket) []Bucket {
	n := len(s.values)
	dt := &detector{d: d, tr: make([]float64, n), has: s.has, out: make([]Bucket, n), state: make([]verdict, n), step: 1}
	for i, v := range s.values {
		dt.tr[i] = v
		if d.Scale == Log {
			dt.tr[i] = math.Log1p(math.Max(v, 0))
		}
	}
	if d.Seasonality == DayOfWeek {
		dt.step = 7
	}
	for i := range n {
		b := &dt.out[i]
		if k, ok := known[i]; ok {
			*b = k
			b.Carried = true
			dt.state[i] = verdictOf(k)
			continue
		}
		b.Day = s.first.AddDate(0, 0, i).Format(edqm.DateLayout)
		b.Value, b.HasValue = s.values[i], s.has[i]
		dt.judgeBucket(i)
	}
	return dt.out
}

// verdictOf returns a recorded bucket's verdict.
func verdictOf(b Bucket) verdict {
	switch {
	case !b.Trained || !b.HasValue:
		return unjudged
	case b.Anomalous:
		return anomalous
	}
	return normal
}

// judgeBucket judges bucket i against its training window, first judging
// in hindsight the window's buckets not judged yet (the warm-up) when
// they are enough for a band.
func (dt *detector) judgeBucket(i int) {
	win := dt.window(i)
	train := dt.training(win)
	if len(train) < dt.d.MinTrainingPoints {
		var pending, pool []int
		for _, j := range win {
			switch dt.state[j] {
			case unjudged:
				pending = append(pending, j)
				pool = append(pool, j)
			case normal:
				pool = append(pool, j)
			}
		}
		if len(pending) == 0 || len(pool) < dt.d.MinTrainingPoints {
			dt.out[i].TrainingPoints = len(train)
			return
		}
		vals := make([]float64, len(pool))
		for k, j := range pool {
			vals[k] = dt.tr[j]
		}
		center, scale := robust(vals, dt.d.Scale)
		for _, j := range pending {
			dt.apply(j, center, scale, len(vals))
		}
		train = dt.training(win)
		if len(train) < dt.d.MinTrainingPoints {
			dt.out[i].TrainingPoints = len(train)
			return
		}
	}
	center, scale := robust(train, dt.d.Scale)
	dt.apply(i, center, scale, len(train))
}

// window returns the indexes of the buckets with a value in bucket i's
// training window, latest first.
func (dt *detector) window(i int) []int {
	var win []int
	for k := 1; k <= dt.d.TrainingDays; k++ {
		j := i - k*dt.step
		if j < 0 {
			break
		}
		if dt.has[j] {
			win = append(win, j)
		}
	}
	return win
}

// training returns the values (on the detection scale) that train a
// bucket whose window is win: the normal ones, or all those judged when
// more than half of the window is anomalous (a new level).
func (dt *detector) training(win []int) []float64 {
	var train, judged []float64
	flagged := 0
	for _, j := range win {
		switch dt.state[j] {
		case normal:
			train = append(train, dt.tr[j])
			judged = append(judged, dt.tr[j])
		case anomalous:
			flagged++
			judged = append(judged, dt.tr[j])
		}
	}
	if 2*flagged > len(win) {
		return judged
	}
	return train
}

// apply gives bucket i the band center ± Sensitivity × scale (on the
// detection scale) computed from n buckets, and judges its value.
func (dt *detector) apply(i int, center, scale float64, n int) {
	b, d := &dt.out[i], dt.d
	b.Trained, b.TrainingPoints = true, n
	lo, hi := center-d.Sensitivity*scale, center+d.Sensitivity*scale
	b.Expected, b.Lower, b.Upper = back(center, d.Scale), back(lo, d.Scale), back(hi, d.Scale)
	if d.Scale == Log {
		b.Lower = math.Max(b.Lower, 0) // counts: a band below 0 means 0
	}
	if !b.HasValue {
		return
	}
	dt.state[i] = normal
	if judge(b, dt.tr[i], center, scale, d) {
		dt.state[i] = anomalous
	}
}

// judge scores b's value x (on the detection scale) against the band
// center ± Sensitivity × scale and sets b.Anomalous, and reports it, when
// x is outside in the monitored direction by at least the minimum
// percentage.
func judge(b *Bucket, x, center, scale float64, d Detection) bool {
	b.Score = 0
	if scale > 0 {
		b.Score = (x - center) / scale
	}
	lo, hi := center-d.Sensitivity*scale, center+d.Sensitivity*scale
	const eps = 1e-9
	above, below := x > hi+eps, x < lo-eps
	switch d.Direction {
	case Spike:
		below = false
	case Drop:
		above = false
	}
	if !above && !below {
		return false
	}
	minPct := d.MinDropPercent
	if above {
		minPct = d.MinSpikePercent
	}
	if minPct > 0 && b.Expected != 0 && math.Abs(b.Value-b.Expected) < minPct/100*math.Abs(b.Expected) {
		return false
	}
	b.Anomalous = true
	return true
}

// back maps a value of the detection scale back to the metric's scale.
func back(x float64, s Scale) float64 {
	if s == Log {
		return math.Expm1(x)
	}
	return x
}

// robust returns the median of xs and their robust scale: 1.4826 × the
// median absolute deviation, or 1.2533 × the mean absolute deviation from
// the median when that is 0; on the Log scale, unless 0, at least
// 1 ÷ √(1 + the median count). xs is not modified.
func robust(xs []float64, s Scale) (center, scale float64) {
	center = median(xs)
	dev := make([]float64, len(xs))
	mean := 0.0
	for i, x := range xs {
		dev[i] = math.Abs(x - center)
		mean += dev[i]
	}
	mean /= float64(len(xs))
	scale = 1.4826 * median(dev)
	if scale == 0 {
		scale = 1.2533 * mean
	}
	if scale < 1e-12*math.Max(1, math.Abs(center)) {
		scale = 0 // rounding noise of equal values
	}
	if s == Log && scale > 0 {
		scale = math.Max(scale, math.Exp(-center/2)) // 1 ÷ √(1 + count)
	}
	return center, scale
}

// median returns the median of xs (not modified); 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	m := len(c) / 2
	if len(c)%2 == 1 {
		return c[m]
	}
	return (c[m-1] + c[m]) / 2
}
