package quality

import (
	"fmt"
	"math"
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

// Detection configures the z-score anomaly detection of a monitor. The
// zero value means the defaults documented on each field.
//
// For each daily bucket, the training set is the buckets of the
// TrainingDays days before it (with DayOfWeek seasonality: the same
// weekday in the TrainingDays weeks before it, so the number of points is
// the same), leaving out buckets with no value and gross outliers: buckets
// found anomalous with a z-score beyond Sensitivity + 1 (or outside a band
// of no width), unless those are more than half of the window (then the
// new level is accepted as normal). Leaving the gross outliers out keeps a
// spike from widening the band for the weeks after it; keeping the milder
// anomalies in keeps the band from narrowing after each normal but
// unusual day. The expected value is the training mean,
// the band is mean ± Sensitivity × standard deviation (sample, n−1), and a
// bucket outside the band is anomalous. When the training values are all
// equal, the band has no width and any other value is anomalous.
type Detection struct {
	// TrainingDays is the training window in days; default 28.
	TrainingDays int `json:"training_days"`
	// DetectionDays is how many of the latest days are checked and
	// reported; default 2.
	DetectionDays int `json:"detection_days"`
	// MinTrainingPoints is the fewest training buckets needed for a band;
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
// scale, Expected is the training's geometric mean (of 1 + value, less 1)
// and the band is asymmetric around it.
type Bucket struct {
	// Day is the bucket's day, YYYY-MM-DD.
	Day string `json:"day"`
	// Dimension is the dimension value (dimension monitors only).
	Dimension string `json:"dimension,omitempty"`
	// Value is the metric; HasValue is false when the bucket has no data
	// to compute it from (a column metric on an empty day).
	Value    float64 `json:"value"`
	HasValue bool    `json:"has_value"`
	// Expected is the training mean; Lower and Upper bound the band.
	Expected float64 `json:"expected"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	// Score is the z-score, (value − mean) ÷ standard deviation on the
	// detection scale; 0 when the band has no width.
	Score float64 `json:"score"`
	// TrainingPoints is the number of buckets the band was computed from.
	TrainingPoints int `json:"training_points"`
	// Trained is false when there were fewer than MinTrainingPoints; then
	// the bucket has no band and is not anomalous.
	Trained   bool `json:"trained"`
	Anomalous bool `json:"anomalous"`
}

// series is a daily series: values[i] is the value of day first+i; has[i]
// is false when there is none.
type series struct {
	first  time.Time
	values []float64
	has    []bool
}

// detect checks every bucket of s in order and returns them all; the
// caller keeps the detection window.
func detect(s series, d Detection) []Bucket {
	n := len(s.values)
	out := make([]Bucket, n)
	tr := make([]float64, n) // values on the detection scale
	for i, v := range s.values {
		tr[i] = v
		if d.Scale == Log {
			tr[i] = math.Log1p(math.Max(v, 0))
		}
	}
	step := 1
	if d.Seasonality == DayOfWeek {
		step = 7
	}
	train := make([]float64, 0, d.TrainingDays)
	gross := make([]bool, n) // left out of later training
	for i := range n {
		b := &out[i]
		b.Day = s.first.AddDate(0, 0, i).Format(edqm.DateLayout)
		b.Value, b.HasValue = s.values[i], s.has[i]
		train = trainingSet(train[:0], tr, s.has, gross, i, step, d.TrainingDays)
		b.TrainingPoints = len(train)
		if len(train) < d.MinTrainingPoints {
			continue
		}
		b.Trained = true
		mean, sd := meanSD(train)
		lo, hi := mean-d.Sensitivity*sd, mean+d.Sensitivity*sd
		b.Expected, b.Lower, b.Upper = back(mean, d.Scale), back(lo, d.Scale), back(hi, d.Scale)
		if d.Scale == Log {
			b.Lower = math.Max(b.Lower, 0) // counts: a band below 0 means 0
		}
		if b.HasValue {
			gross[i] = judge(b, tr[i], mean, sd, d)
		}
	}
	return out
}

// trainingSet appends to train the values (on the detection scale) of up
// to span buckets before bucket i, step apart, that have a value, leaving
// out gross anomalies unless they are most of them.
func trainingSet(train, tr []float64, has, gross []bool, i, step, span int) []float64 {
	flagged := 0
	var all []float64
	for k := 1; k <= span; k++ {
		j := i - k*step
		if j < 0 {
			break
		}
		if !has[j] {
			continue
		}
		all = append(all, tr[j])
		if gross[j] {
			flagged++
			continue
		}
		train = append(train, tr[j])
	}
	if 2*flagged > len(all) {
		train = append(train[:0], all...)
	}
	return train
}

// judge scores b's value x (on the detection scale) against the band
// mean ± Sensitivity × sd and sets b.Anomalous when it is outside in the
// monitored direction by at least the minimum percentage. It reports
// whether the anomaly is gross (a flat band, or a score beyond
// Sensitivity + 1), to be left out of later training.
func judge(b *Bucket, x, mean, sd float64, d Detection) bool {
	if sd > 0 {
		b.Score = (x - mean) / sd
	}
	lo, hi := mean-d.Sensitivity*sd, mean+d.Sensitivity*sd
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
	return sd == 0 || math.Abs(b.Score) > d.Sensitivity+1
}

// back maps a value of the detection scale back to the metric's scale.
func back(x float64, s Scale) float64 {
	if s == Log {
		return math.Expm1(x)
	}
	return x
}

// meanSD returns the mean and the sample standard deviation (n−1).
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(ss / float64(len(xs)-1))
	if sd < 1e-12*math.Max(1, math.Abs(mean)) {
		sd = 0 // rounding noise of equal values
	}
	return mean, sd
}
