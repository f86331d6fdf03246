// Package chaosdataset is dataset-level chaos: faults that hit a day's
// batch as a whole (its volume, its arrival, its columns, its lines)
// rather than single records. They exercise the anomaly monitors of
// package quality the way the five record-level kinds of package chaos
// exercise the mart's flags, and each is recorded as a [Label], the ground
// truth the monitors are scored against.
//
// An [Injector] decides from its seed, a table's name and a day alone
// which fault, if any, hits that table's day, so the two stages of a
// pipeline it applies to ([Injector.ApplyTable] before record-level chaos,
// [Injector.ApplyCSV] on the bytes about to land) agree without sharing
// state. Its errors wrap chaos.ErrInvalidConfig and chaos.ErrInvalidSpec.
package chaosdataset

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
)

// Kind is a dataset-level fault: it changes a day's batch as a
// whole (its volume, its arrival, its columns, its lines), not a record.
//
// Each kind applies at one stage of a pipeline:
//
//   - VolumeDrop, VolumeSpike and LatePartition apply to the day's table,
//     before record-level chaos, with [Injector.ApplyTable]: so no
//     record label ever points at a row a dataset fault removed;
//   - SchemaChange and MalformedLines apply to the day's CSV bytes, after
//     record-level chaos, with [Injector.ApplyCSV].
type Kind string

// The dataset-level kinds.
const (
	// VolumeDrop keeps only the first 0 to 25 % of the day's rows, as a
	// truncated extract would (variant "truncated").
	VolumeDrop Kind = "volume_drop"
	// VolumeSpike multiplies the day's rows by 4 to 8 with copies of its
	// rows under fresh keys, as a flood of bot orders would (variant
	// "burst"). The copies are clean records, so they trip no record-level
	// flag.
	VolumeSpike Kind = "volume_spike"
	// LatePartition leaves the rows unchanged but makes the batch land 1 to
	// 3 days late, in a later day's partition (variant "late"): see
	// [Injector.LandingDay]. The batch then belongs to its landing
	// day: run record-level chaos with that day, so that an order put "in
	// the future" is in the future of the day it arrives.
	LatePartition Kind = "late_partition"
	// SchemaChange adds a column at the end ("column_added") or renames one
	// ("column_renamed") in the day's file.
	SchemaChange Kind = "schema_change"
	// MalformedLines inserts 1 to 5 lines that cannot be parsed as records
	// of the file: "short_row" (too few fields), "long_row" (too many) and
	// "unclosed_quote" (a quote that never closes). The day's records are
	// all still there: the lines are added, none is damaged.
	MalformedLines Kind = "malformed_lines"
)

// Kinds lists the dataset-level kinds in their canonical order.
var Kinds = []Kind{VolumeDrop, VolumeSpike, LatePartition, SchemaChange, MalformedLines}

// Variants lists the variants of each dataset-level kind, as
// written in [Label.Variant].
var Variants = map[Kind][]string{
	VolumeDrop:     {"truncated"},
	VolumeSpike:    {"burst"},
	LatePartition:  {"late"},
	SchemaChange:   {"column_added", "column_renamed"},
	MalformedLines: {"short_row", "long_row", "unclosed_quote"},
}

// tableStage reports whether kind k applies to tables (ApplyTable) rather
// than to CSV bytes (ApplyCSV).
func (k Kind) tableStage() bool {
	return k == VolumeDrop || k == VolumeSpike || k == LatePartition
}

// Rates holds the probability, per table and day, of each
// dataset-level kind. A table's day gets at most one dataset-level fault,
// so the rates must add up to at most 1.
type Rates struct {
	// Each field is the rate of the kind of the same name.
	VolumeDrop     float64
	VolumeSpike    float64
	LatePartition  float64
	SchemaChange   float64
	MalformedLines float64
}

// Of returns the rate of kind k.
func (r Rates) Of(k Kind) float64 {
	switch k {
	case VolumeDrop:
		return r.VolumeDrop
	case VolumeSpike:
		return r.VolumeSpike
	case LatePartition:
		return r.LatePartition
	case SchemaChange:
		return r.SchemaChange
	case MalformedLines:
		return r.MalformedLines
	}
	return 0
}

// Uniform returns Rates with every kind at p.
func Uniform(p float64) Rates {
	return Rates{VolumeDrop: p, VolumeSpike: p, LatePartition: p, SchemaChange: p, MalformedLines: p}
}

// Config configures a [Injector].
type Config struct {
	// Seed selects the random stream. The streams of dataset-level chaos
	// are separate from the record-level ones, so the same Seed can serve
	// both.
	Seed uint64
	// Rates are the per-table, per-day probabilities of each kind.
	Rates Rates
}

// Validate reports a configuration error naming the offending kind; it
// wraps [chaos.ErrInvalidConfig].
func (c Config) Validate() error {
	sum := 0.0
	for _, k := range Kinds {
		p := c.Rates.Of(k)
		if !(p >= 0 && p <= 1) { // also catches NaN
			return fmt.Errorf("%w: rate of %s is %v, want a probability in [0, 1]", chaos.ErrInvalidConfig, k, p)
		}
		sum += p
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("%w: dataset rates add up to %v; a day gets at most one dataset fault, so they must add up to at most 1", chaos.ErrInvalidConfig, sum)
	}
	return nil
}

// Label records one dataset-level fault: the ground truth the
// monitors of package quality are scored against. It is a type of its own,
// not a [chaos.Label], because it names a table's day rather than a record.
//
// What Original and Injected hold depends on the kind:
//
//   - volume_drop, volume_spike: the day's row counts before and after;
//   - late_partition: the batch's day and the day it lands (also LandOn);
//   - schema_change: the column's name before ("" when added) and after;
//   - malformed_lines: "" and the inserted line's text (Line is its line
//     number in the file, the header being line 1).
type Label struct {
	// Table is the table's name; Day the batch's day, YYYY-MM-DD.
	Table string `json:"table"`
	Day   string `json:"day"`
	// Kind and Variant say what was done.
	Kind    Kind   `json:"kind"`
	Variant string `json:"variant"`
	// Column is the column added or renamed (its new name).
	Column string `json:"column,omitempty"`
	// Original and Injected: see the type's documentation.
	Original string `json:"original"`
	Injected string `json:"injected"`
	// Line is the line number of a malformed line, 0 otherwise.
	Line int `json:"line,omitempty"`
	// LandOn is the day a late partition lands, YYYY-MM-DD; "" otherwise.
	LandOn string `json:"land_on,omitempty"`
}

// LabelColumns are the columns of [LabelsTable].
var LabelColumns = []string{"table_name", "day", "kind", "variant", "column_name", "original", "injected", "line", "land_on"}

// LabelsTable renders dataset-level labels as a table named
// "chaos_dataset_labels", ready to land beside the data and load into the
// warehouse (EDQM loads it as raw_chaos_dataset_labels).
func LabelsTable(labels []Label) *edqm.Table {
	t := &edqm.Table{Name: "chaos_dataset_labels", Columns: LabelColumns, Rows: make([][]string, len(labels))}
	for i, l := range labels {
		line := ""
		if l.Line > 0 {
			line = strconv.Itoa(l.Line)
		}
		t.Rows[i] = []string{l.Table, l.Day, string(l.Kind), l.Variant, l.Column, l.Original, l.Injected, line, l.LandOn}
	}
	return t
}

// Injector applies dataset-level faults. It is immutable and safe
// for concurrent use.
//
// Which fault, if any, hits a table's day depends only on the seed, the
// table's name and the day ([Injector.Fault]), so a pipeline can ask
// before it generates anything, and the two stages (ApplyTable, ApplyCSV)
// agree without sharing state. Each stage draws its parameters from a
// random stream derived from the same three values: the same seed, table,
// day and input give the same output and the same labels.
type Injector struct {
	cfg Config
}

// New validates cfg (the error wraps [chaos.ErrInvalidConfig]) and returns
// a dataset-level injector. With all rates at zero it changes nothing.
func New(cfg Config) (*Injector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Injector{cfg: cfg}, nil
}

// Config returns the injector's configuration.
func (d *Injector) Config() Config { return d.cfg }

// stream returns the random stream of a table's day, positioned after the
// draw that picks the fault, and the fault ("" for none).
func (d *Injector) stream(table string, day time.Time) (*rand.Rand, Kind) {
	h := fnv.New64a()
	h.Write([]byte("dataset/"))
	h.Write([]byte(table))
	hi := datasetMix(d.cfg.Seed ^ datasetMix(h.Sum64()))
	r := rand.New(rand.NewPCG(hi, datasetMix(hi^uint64(edqm.Day(day).Unix()/86400))))
	u, acc := r.Float64(), 0.0
	for _, k := range Kinds {
		p := d.cfg.Rates.Of(k)
		if p <= 0 {
			continue
		}
		acc += p
		if u < acc {
			return r, k
		}
	}
	return r, ""
}

// Fault returns the dataset-level fault that hits table on day, or "" when
// none does.
func (d *Injector) Fault(table string, day time.Time) Kind {
	_, k := d.stream(table, day)
	return k
}

// LandingDay returns the day under which the batch of table for day
// lands: day itself, or 1 to 3 days later when the batch is a late
// partition. A pipeline lands the late file in the later day's partition
// under a name of its own, so that it does not replace that day's file.
func (d *Injector) LandingDay(table string, day time.Time) time.Time {
	r, k := d.stream(table, day)
	if k != LatePartition {
		return edqm.Day(day)
	}
	return edqm.Day(day).AddDate(0, 0, lateDays(r))
}

// lateDays draws a late partition's delay: 1 to 3 days.
func lateDays(r *rand.Rand) int { return 1 + r.IntN(3) }

// ApplyTable applies the table-stage fault of in's day, if any: a volume
// drop, a volume spike, or a late partition (which changes no row; its
// label tells the day to land on). It returns a new table and the labels;
// in is never modified, and without a table-stage fault the output equals
// the input. Call it before record-level chaos.
//
// spec.Key names the key column: a spike's copies get fresh random keys
// (version-4-style UUIDs) so that they are new records, not duplicates.
// An error wrapping [chaos.ErrInvalidSpec] reports a missing key column or a
// ragged row. A cancelled ctx returns ctx.Err().
func (d *Injector) ApplyTable(ctx context.Context, day time.Time, spec chaos.TableSpec, in *edqm.Table) (*edqm.Table, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("%w: nil table", chaos.ErrInvalidSpec)
	}
	key := in.Col(spec.Key)
	if spec.Key == "" || key < 0 {
		return nil, nil, fmt.Errorf("%w: table %q: key column %q not found (the table has %s)",
			chaos.ErrInvalidSpec, in.Name, spec.Key, strings.Join(in.Columns, ", "))
	}
	for i, row := range in.Rows {
		if len(row) != len(in.Columns) {
			return nil, nil, fmt.Errorf("%w: table %q: row %d has %d cells, want %d", chaos.ErrInvalidSpec, in.Name, i, len(row), len(in.Columns))
		}
	}
	out := in.Clone()
	r, kind := d.stream(in.Name, day)
	if kind == "" || !kind.tableStage() || len(in.Rows) == 0 {
		return out, nil, nil
	}
	dayText := edqm.Day(day).Format(edqm.DateLayout)
	label := Label{Table: in.Name, Day: dayText, Kind: kind, Variant: Variants[kind][0]}
	n := len(in.Rows)
	switch kind {
	case VolumeDrop:
		keep := int(float64(n) * 0.25 * r.Float64())
		out.Rows = out.Rows[:keep]
	case VolumeSpike:
		factor := 4 + 4*r.Float64()
		extra := int(float64(n)*(factor-1) + 0.5)
		for i := 0; i < extra; i++ {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return nil, nil, err
				}
			}
			cp := append([]string(nil), in.Rows[r.IntN(n)]...)
			cp[key] = edqm.FormatUUID(r.Uint64(), r.Uint64())
			out.Rows = append(out.Rows, cp)
		}
	case LatePartition:
		label.Original = dayText
		label.LandOn = edqm.Day(day).AddDate(0, 0, lateDays(r)).Format(edqm.DateLayout)
		label.Injected = label.LandOn
		return out, []Label{label}, nil
	}
	label.Original, label.Injected = strconv.Itoa(n), strconv.Itoa(len(out.Rows))
	return out, []Label{label}, nil
}

// ctxEvery is how many added rows are built between two context checks.
const ctxEvery = 1024

// addedColumns are the names a "column_added" fault picks from.
var addedColumns = []string{"coupon_code", "channel", "ingested_at", "loyalty_tier"}

// ApplyCSV applies the CSV-stage fault of table's day, if any, to data, a
// CSV file with a header line as [edqm.WriteCSV] writes it: a schema change
// or malformed lines. It returns the new bytes and the labels; without a
// CSV-stage fault it returns data unchanged. data is never modified. Call
// it on the bytes about to land, after record-level chaos.
//
// A file that does not parse as CSV, or has no header, is an error. A file
// with a header and no record gets a schema change but no malformed line
// (there is no record to malform). A cancelled ctx returns ctx.Err().
func (d *Injector) ApplyCSV(ctx context.Context, day time.Time, table string, data []byte) ([]byte, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	r, kind := d.stream(table, day)
	if kind == "" || kind.tableStage() {
		return data, nil, nil
	}
	recs, ends, err := datasetRecords(data)
	if err != nil {
		return nil, nil, fmt.Errorf("chaos: table %q, %s: %w", table, edqm.Day(day).Format(edqm.DateLayout), err)
	}
	label := Label{Table: table, Day: edqm.Day(day).Format(edqm.DateLayout), Kind: kind}
	header := recs[0]
	switch kind {
	case SchemaChange:
		label.Variant = Variants[SchemaChange][r.IntN(2)]
		if label.Variant == "column_added" {
			name := ""
			for _, i := range r.Perm(len(addedColumns)) {
				if !containsString(header, addedColumns[i]) {
					name = addedColumns[i]
					break
				}
			}
			if name == "" {
				name = "extra_" + strconv.Itoa(len(header)+1)
			}
			label.Column, label.Injected = name, name
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			for i, rec := range recs {
				v := name
				if i > 0 {
					v = "" // a new, still empty column
				}
				if err := w.Write(append(rec, v)); err != nil {
					return nil, nil, err
				}
			}
			w.Flush()
			return b.Bytes(), []Label{label}, w.Error()
		}
		col := r.IntN(len(header))
		label.Original = header[col]
		label.Column = renamed(header[col], header)
		label.Injected = label.Column
		hdr := append([]string(nil), header...)
		hdr[col] = label.Column
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		if err := w.Write(hdr); err != nil {
			return nil, nil, err
		}
		w.Flush()
		b.Write(data[ends[0]:])
		return b.Bytes(), []Label{label}, nil
	default: // MalformedLines
		if len(recs) < 2 {
			return data, nil, nil
		}
		n := 1 + r.IntN(5)
		// Insertion points: after record i (0 is the header), drawn
		// independently and sorted, so several lines may follow one record.
		at := make([]int, n)
		for i := range at {
			at[i] = r.IntN(len(recs))
		}
		sortInts(at)
		var b bytes.Buffer
		var labels []Label
		prev := 0
		for i := range recs {
			b.Write(data[prev:ends[i]])
			prev = ends[i]
			for len(at) > 0 && at[0] == i {
				at = at[1:]
				if b.Len() > 0 && b.Bytes()[b.Len()-1] != '\n' {
					b.WriteByte('\n')
				}
				variant := Variants[MalformedLines][r.IntN(3)]
				if variant == "short_row" && len(header) < 2 {
					variant = "long_row" // a one-field short row would be a blank line
				}
				text := malformed(variant, recs[1+r.IntN(len(recs)-1)])
				l := label
				l.Variant, l.Injected, l.Line = variant, text, bytes.Count(b.Bytes(), []byte("\n"))+1
				b.WriteString(text)
				b.WriteByte('\n')
				labels = append(labels, l)
			}
		}
		b.Write(data[prev:])
		return b.Bytes(), labels, nil
	}
}

// datasetRecords parses data as CSV and returns its records and the
// offset just past each one (its line ending included).
func datasetRecords(data []byte) ([][]string, []int, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var recs [][]string
	var ends []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("not a CSV file: %w", err)
		}
		recs = append(recs, rec)
		ends = append(ends, int(cr.InputOffset()))
	}
	if len(recs) == 0 {
		return nil, nil, errors.New("not a CSV file: no header")
	}
	return recs, ends, nil
}

// malformed renders a line of the variant from a record's fields.
func malformed(variant string, rec []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	switch variant {
	case "short_row":
		rec = rec[:max(1, len(rec)/2)]
	case "long_row":
		rec = append(append([]string(nil), rec...), "?")
	}
	_ = w.Write(rec) // a bytes.Buffer cannot fail
	w.Flush()
	line := strings.TrimSuffix(b.String(), "\n")
	if variant == "unclosed_quote" {
		line = `"` + line
	}
	return line
}

// renamed returns a new name for column col: its camelCase form, or the
// name with "_v2" appended when camelCase changes nothing; never a name
// the header already has.
func renamed(col string, header []string) string {
	parts := strings.Split(col, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	name := strings.Join(parts, "")
	for name == col || containsString(header, name) {
		name += "_v2"
	}
	return name
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sortInts sorts a short slice in place (insertion sort: n ≤ 5).
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// datasetMix is the SplitMix64 finaliser, a bijective 64-bit mixer.
func datasetMix(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9
	v = (v ^ (v >> 27)) * 0x94d049bb133111eb
	return v ^ (v >> 31)
}
