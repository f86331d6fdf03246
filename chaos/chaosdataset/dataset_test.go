package chaosdataset_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

var datasetDay0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func datasetInjector(t testing.TB, cfg chaosdataset.Config) *chaosdataset.Injector {
	t.Helper()
	d, err := chaosdataset.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func datasetOrders(t testing.TB, day time.Time) *edqm.Table {
	t.Helper()
	g, err := generate.New(generate.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	o, err := g.Orders(t.Context(), day)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func datasetCSV(t testing.TB, tab *edqm.Table) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := edqm.WriteCSV(&b, tab); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// datasetDayWith returns the first day from datasetDay0 on which kind hits
// table "orders".
func datasetDayWith(t testing.TB, d *chaosdataset.Injector, kind chaosdataset.Kind) time.Time {
	t.Helper()
	for i := range 2000 {
		day := datasetDay0.AddDate(0, 0, i)
		if d.Fault("orders", day) == kind {
			return day
		}
	}
	t.Fatalf("no %s day", kind)
	return time.Time{}
}

func TestDatasetConfigValidate(t *testing.T) {
	for _, r := range []chaosdataset.Rates{
		{VolumeDrop: 1.5},
		{LatePartition: -0.1},
		{SchemaChange: math.NaN()},
		chaosdataset.Uniform(0.3),
	} {
		if _, err := chaosdataset.New(chaosdataset.Config{Rates: r}); !errors.Is(err, chaos.ErrInvalidConfig) {
			t.Errorf("%+v: err = %v", r, err)
		}
	}
	if _, err := chaosdataset.New(chaosdataset.Config{Rates: chaosdataset.Uniform(0.2)}); err != nil {
		t.Errorf("rates adding up to 1: %v", err)
	}
}

func TestDatasetZeroRatesChangeNothing(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 1})
	in := datasetOrders(t, datasetDay0)
	for i := range 50 {
		day := datasetDay0.AddDate(0, 0, i)
		out, labels, err := d.ApplyTable(ctx, day, chaos.OrdersSpec(nil), in)
		if err != nil || labels != nil || !reflect.DeepEqual(out, in) || d.Fault("orders", day) != "" || !d.LandingDay("orders", day).Equal(day) {
			t.Fatalf("day %d: %v %v", i, labels, err)
		}
		data := datasetCSV(t, in)
		got, labels, err := d.ApplyCSV(ctx, day, "orders", data)
		if err != nil || labels != nil || !bytes.Equal(got, data) {
			t.Fatalf("day %d csv: %v %v", i, labels, err)
		}
	}
}

func TestDatasetFaultsAreSeededAndFrequent(t *testing.T) {
	cfg := chaosdataset.Config{Seed: 7, Rates: chaosdataset.Uniform(0.05)}
	a, b := datasetInjector(t, cfg), datasetInjector(t, cfg)
	other := datasetInjector(t, chaosdataset.Config{Seed: 8, Rates: cfg.Rates})
	counts := map[chaosdataset.Kind]int{}
	differ := 0
	const days = 4000
	for i := range days {
		day := datasetDay0.AddDate(0, 0, i)
		k := a.Fault("orders", day)
		if k != b.Fault("orders", day) {
			t.Fatal("same seed, different faults")
		}
		if k != other.Fault("orders", day) {
			differ++
		}
		if k != "" {
			counts[k]++
		}
	}
	for _, k := range chaosdataset.Kinds {
		if n := counts[k]; n < days*5/100*7/10 || n > days*5/100*13/10 {
			t.Errorf("%s on %d of %d days at rate 5%%", k, n, days)
		}
	}
	if differ == 0 {
		t.Error("another seed gives the same faults")
	}
	// Each table has its own stream.
	same := 0
	for i := range 200 {
		day := datasetDay0.AddDate(0, 0, i)
		if a.Fault("orders", day) == a.Fault("customers", day) {
			same++
		}
	}
	if same == 200 {
		t.Error("orders and customers get the same faults")
	}
}

func TestDatasetVolumeDropAndSpike(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 2, Rates: chaosdataset.Rates{VolumeDrop: 0.5, VolumeSpike: 0.5}})
	spec := chaos.OrdersSpec(nil)
	for _, kind := range []chaosdataset.Kind{chaosdataset.VolumeDrop, chaosdataset.VolumeSpike} {
		day := datasetDayWith(t, d, kind)
		in := datasetOrders(t, day)
		before := in.Clone()
		out, labels, err := d.ApplyTable(ctx, day, spec, in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, before) {
			t.Fatal("the input was modified")
		}
		again, labels2, _ := d.ApplyTable(ctx, day, spec, in)
		if !reflect.DeepEqual(out, again) || !reflect.DeepEqual(labels, labels2) {
			t.Fatal("not deterministic")
		}
		n, m := len(in.Rows), len(out.Rows)
		want := chaosdataset.Label{Table: "orders", Day: day.Format(edqm.DateLayout), Kind: kind, Variant: chaosdataset.Variants[kind][0],
			Original: strconv.Itoa(n), Injected: strconv.Itoa(m)}
		if len(labels) != 1 || labels[0] != want {
			t.Fatalf("%s labels %+v, want %+v", kind, labels, want)
		}
		key := in.MustCol("order_id")
		switch kind {
		case chaosdataset.VolumeDrop:
			if m > n/4 || !reflect.DeepEqual(out.Rows, in.Rows[:m]) {
				t.Errorf("drop kept %d of %d rows, or not the first ones", m, n)
			}
		case chaosdataset.VolumeSpike:
			if m < 4*n-1 || m > 8*n+1 || !reflect.DeepEqual(out.Rows[:n], in.Rows) {
				t.Errorf("spike: %d rows from %d", m, n)
			}
			seen := map[string]bool{}
			for _, r := range out.Rows {
				if seen[r[key]] {
					t.Fatalf("key %s twice: a spike adds new records, not duplicates", r[key])
				}
				seen[r[key]] = true
			}
			for _, r := range out.Rows[n:] {
				ok := slices.ContainsFunc(in.Rows, func(o []string) bool {
					return slices.Equal(o[:key], r[:key]) && slices.Equal(o[key+1:], r[key+1:])
				})
				if !ok {
					t.Fatalf("copy %v is not a row of the day with a new key", r)
				}
			}
		}
	}
}

func TestDatasetLatePartition(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 4, Rates: chaosdataset.Rates{LatePartition: 0.3}})
	delays := map[int]bool{}
	for i := range 300 {
		day := datasetDay0.AddDate(0, 0, i)
		in := datasetOrders(t, datasetDay0)
		out, labels, err := d.ApplyTable(ctx, day, chaos.OrdersSpec(nil), in)
		if err != nil {
			t.Fatal(err)
		}
		on := d.LandingDay("orders", day)
		if d.Fault("orders", day) != chaosdataset.LatePartition {
			if labels != nil || !on.Equal(day) {
				t.Fatalf("day %d: %v, lands %v", i, labels, on)
			}
			continue
		}
		delay := int(on.Sub(day).Hours() / 24)
		delays[delay] = true
		if delay < 1 || delay > 3 || !reflect.DeepEqual(out, in) || len(labels) != 1 || labels[0].LandOn != on.Format(edqm.DateLayout) ||
			labels[0].Variant != "late" {
			t.Fatalf("late partition: delay %d, labels %+v", delay, labels)
		}
	}
	if len(delays) != 3 {
		t.Errorf("delays %v, want 1, 2 and 3", delays)
	}
}

func TestDatasetSchemaChange(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 5, Rates: chaosdataset.Rates{SchemaChange: 0.5}})
	in := datasetOrders(t, datasetDay0)
	data := datasetCSV(t, in)
	variants := map[string]bool{}
	for i := range 60 {
		day := datasetDay0.AddDate(0, 0, i)
		if d.Fault("orders", day) != chaosdataset.SchemaChange {
			continue
		}
		if out, labels, _ := d.ApplyTable(ctx, day, chaos.OrdersSpec(nil), in); labels != nil || !reflect.DeepEqual(out, in) {
			t.Fatal("ApplyTable applied a CSV-stage fault")
		}
		got, labels, err := d.ApplyCSV(ctx, day, "orders", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != 1 {
			t.Fatalf("labels %+v", labels)
		}
		l := labels[0]
		variants[l.Variant] = true
		recs, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := recs[0]
		switch l.Variant {
		case "column_added":
			if len(header) != len(in.Columns)+1 || header[len(header)-1] != l.Column || l.Original != "" || len(recs) != len(in.Rows)+1 {
				t.Errorf("added: header %v, label %+v", header, l)
			}
			for i, r := range recs[1:] {
				if !slices.Equal(r[:len(r)-1], in.Rows[i]) || r[len(r)-1] != "" {
					t.Fatalf("row %d: %v", i, r)
				}
			}
		case "column_renamed":
			col := slices.Index(in.Columns, l.Original)
			if col < 0 || header[col] != l.Injected || l.Injected == l.Original || slices.Contains(in.Columns, l.Injected) {
				t.Errorf("renamed: header %v, label %+v", header, l)
			}
			nl := bytes.IndexByte(data, '\n')
			if !bytes.Equal(got[bytes.IndexByte(got, '\n'):], data[nl:]) {
				t.Error("a rename changed more than the header")
			}
		default:
			t.Fatalf("variant %q", l.Variant)
		}
	}
	if len(variants) != 2 {
		t.Errorf("variants %v", variants)
	}
}

// Malformed lines are added, never made of existing records: the
// warehouse rejects exactly them and loads every record.
func TestDatasetMalformedLines(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 6, Rates: chaosdataset.Rates{MalformedLines: 0.5}})
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	land := memlanding.New()
	variants := map[string]int{}
	files := 0
	for i := 0; files < 25; i++ {
		day := datasetDay0.AddDate(0, 0, i)
		if d.Fault("orders", day) != chaosdataset.MalformedLines {
			continue
		}
		files++
		in := datasetOrders(t, day)
		data := datasetCSV(t, in)
		got, labels, err := d.ApplyCSV(ctx, day, "orders", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) < 1 || len(labels) > 5 {
			t.Fatalf("%d malformed lines", len(labels))
		}
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		var kept []string
		bad := map[int]bool{}
		for _, l := range labels {
			variants[l.Variant]++
			if l.Line < 2 || lines[l.Line-1] != l.Injected || l.Kind != chaosdataset.MalformedLines {
				t.Fatalf("label %+v does not match line %q", l, lines[l.Line-1])
			}
			bad[l.Line] = true
		}
		for i, l := range lines {
			if !bad[i+1] {
				kept = append(kept, l)
			}
		}
		if strings.Join(kept, "\n")+"\n" != string(data) {
			t.Fatal("removing the labelled lines does not give the original file back")
		}
		key := fmt.Sprintf("orders/date=%s/orders.csv", day.Format(edqm.DateLayout))
		if err := land.Put(ctx, key, bytes.NewReader(got)); err != nil {
			t.Fatal(err)
		}
		res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: in.Columns, Source: land, Keys: []string{key}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, loaded, rejected := res.Totals()
		if loaded != int64(len(in.Rows)) || rejected != int64(len(labels)) {
			t.Fatalf("%s: loaded %d of %d records, rejected %d of %d malformed lines\n%s", key, loaded, len(in.Rows), rejected, len(labels), got)
		}
	}
	for _, v := range chaosdataset.Variants[chaosdataset.MalformedLines] {
		if variants[v] == 0 {
			t.Errorf("no %s line in %d files: %v", v, files, variants)
		}
	}
}

func TestDatasetErrors(t *testing.T) {
	ctx := t.Context()
	d := datasetInjector(t, chaosdataset.Config{Seed: 1, Rates: chaosdataset.Uniform(0.2)})
	in := datasetOrders(t, datasetDay0)
	if _, _, err := d.ApplyTable(ctx, datasetDay0, chaos.TableSpec{Key: "id"}, in); !errors.Is(err, chaos.ErrInvalidSpec) || !strings.Contains(err.Error(), `"id"`) {
		t.Errorf("missing key: %v", err)
	}
	if _, _, err := d.ApplyTable(ctx, datasetDay0, chaos.OrdersSpec(nil), nil); !errors.Is(err, chaos.ErrInvalidSpec) {
		t.Errorf("nil table: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := d.ApplyTable(cancelled, datasetDay0, chaos.OrdersSpec(nil), in); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
	if _, _, err := d.ApplyCSV(cancelled, datasetDay0, "orders", nil); err != context.Canceled {
		t.Errorf("cancelled csv: %v", err)
	}
	day := datasetDayWith(t, d, chaosdataset.MalformedLines)
	if _, _, err := d.ApplyCSV(ctx, day, "orders", []byte("a,\"b\n")); err == nil {
		t.Error("a file that is not CSV was accepted")
	}
}

func TestDatasetLabelsTable(t *testing.T) {
	tab := chaosdataset.LabelsTable([]chaosdataset.Label{
		{Table: "orders", Day: "2025-01-02", Kind: chaosdataset.LatePartition, Variant: "late", Original: "2025-01-02", Injected: "2025-01-04", LandOn: "2025-01-04"},
		{Table: "orders", Day: "2025-01-03", Kind: chaosdataset.MalformedLines, Variant: "long_row", Injected: "a,b", Line: 7},
	})
	if tab.Name != "chaos_dataset_labels" || !slices.Equal(tab.Columns, chaosdataset.LabelColumns) || len(tab.Rows) != 2 ||
		tab.Rows[0][8] != "2025-01-04" || tab.Rows[0][7] != "" || tab.Rows[1][7] != "7" {
		t.Errorf("%+v", tab)
	}
}

// Apply a day's dataset-level faults around record-level chaos: volume and
// lateness on the table, before records are corrupted; schema and line
// faults on the CSV bytes, after.
func ExampleInjector() {
	ctx := context.Background()
	ds, err := chaosdataset.New(chaosdataset.Config{Seed: 34, Rates: chaosdataset.Uniform(0.1)})
	if err != nil {
		panic(err)
	}
	spec := chaos.TableSpec{Key: "order_id"}
	for i := range 5 {
		day := time.Date(2025, 6, 1+i, 0, 0, 0, 0, time.UTC)
		orders := &edqm.Table{Name: "orders", Columns: []string{"order_id", "total_amount"}}
		for j := range 100 {
			orders.Rows = append(orders.Rows, []string{fmt.Sprintf("o%d-%d", i, j), "10.00"})
		}
		shaped, labels, err := ds.ApplyTable(ctx, day, spec, orders)
		if err != nil {
			panic(err)
		}
		// ... record-level chaos (chaos.Injector.Inject) goes here ...
		var b bytes.Buffer
		if err := edqm.WriteCSV(&b, shaped); err != nil {
			panic(err)
		}
		_, more, err := ds.ApplyCSV(ctx, day, shaped.Name, b.Bytes())
		if err != nil {
			panic(err)
		}
		labels = append(labels, more...)
		fault := ds.Fault("orders", day)
		if fault == "" {
			fault = "none"
		}
		fmt.Printf("%s: %-15s %3d rows, %d label(s), lands on %s\n", day.Format(edqm.DateLayout), fault,
			len(shaped.Rows), len(labels), ds.LandingDay("orders", day).Format(edqm.DateLayout))
	}
	// Output:
	// 2025-06-01: volume_drop      16 rows, 1 label(s), lands on 2025-06-01
	// 2025-06-02: volume_spike    629 rows, 1 label(s), lands on 2025-06-02
	// 2025-06-03: malformed_lines 100 rows, 5 label(s), lands on 2025-06-03
	// 2025-06-04: late_partition  100 rows, 1 label(s), lands on 2025-06-05
	// 2025-06-05: none            100 rows, 0 label(s), lands on 2025-06-05
}
