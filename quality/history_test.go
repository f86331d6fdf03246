package quality_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/quality"
)

func TestHistoryAppendsEveryResult(t *testing.T) {
	ctx := t.Context()
	wo := flowtest.New(t, flowtest.Config{Days: 20, Seed: 9, Build: true})
	h := quality.History{}
	mons := quality.DefaultMonitors()
	report := func(day time.Time) *quality.Report {
		t.Helper()
		runID, err := h.NextRunID(ctx, wo.Warehouse, day.Format(edqm.DateLayout))
		if err != nil {
			t.Fatal(err)
		}
		r, err := quality.NewReporter(&quality.Options{Clock: edqm.FixedClock(day), RunID: runID, Monitors: mons, History: &h})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.Report(ctx, wo.Warehouse)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := report(wo.Last())
	if rep.RunID != "2026-03-10" {
		t.Fatalf("first run id %q", rep.RunID)
	}
	n, err := h.Append(ctx, wo.Warehouse, rep)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := len(rep.Tests)
	for _, m := range rep.Monitors {
		wantRows += max(1, len(m.Buckets))
	}
	if n != wantRows {
		t.Fatalf("appended %d rows, want %d", n, wantRows)
	}
	if _, err := h.Append(ctx, wo.Warehouse, rep); !errors.Is(err, quality.ErrRunExists) {
		t.Fatalf("second append of the same run: %v", err)
	}

	// A second run the same day gets the next id, and appends.
	rep2 := report(wo.Last())
	if rep2.RunID != "2026-03-10#2" {
		t.Fatalf("second run id %q", rep2.RunID)
	}
	n2, err := h.Append(ctx, wo.Warehouse, rep2)
	if err != nil {
		t.Fatal(err)
	}
	// The second run keeps the first one's verdicts: every day it reports
	// was judged once, by the first run.
	for _, m := range rep2.Monitors {
		for _, b := range m.Buckets {
			if m.Type != quality.SchemaMonitor && b.Trained && !b.Carried {
				t.Errorf("%s %s judged again", m.Name, b.Day)
			}
		}
	}
	if id, _ := h.NextRunID(ctx, wo.Warehouse, "2026-03-10"); id != "2026-03-10#3" {
		t.Errorf("third run id %q", id)
	}

	recs, err := h.Records(ctx, wo.Warehouse, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	all, err := h.Records(ctx, wo.Warehouse, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != wantRows || len(all) != len(recs)+n2 {
		t.Fatalf("%d records of the run, %d in all", len(recs), len(all))
	}
	var passes, withSample, withBand int
	for _, r := range recs {
		if r.RunID != "2026-03-10" || !r.RunAt.Equal(wo.Last()) || r.SQL == "" {
			t.Errorf("record %+v", r)
		}
		if r.Status == quality.Pass {
			passes++
		}
		if r.ResultType == "test" && r.Failures > 0 {
			var s quality.Sample
			if err := json.Unmarshal([]byte(r.Sample), &s); err != nil || len(s.Rows) == 0 {
				t.Errorf("%s: sample %q: %v", r.Name, r.Sample, err)
			}
			withSample++
		}
		if r.ResultType == "monitor" && !math.IsNaN(r.Lower) {
			withBand++
			if r.Day == "" || math.IsNaN(r.Expected) || r.Lower > r.Upper {
				t.Errorf("monitor record %+v", r)
			}
		}
	}
	if passes == 0 || withSample == 0 || withBand == 0 {
		t.Errorf("%d passes, %d samples, %d bands recorded", passes, withSample, withBand)
	}
	// The schema monitor's columns are the next run's baseline.
	var schema quality.MonitorResult
	for _, m := range rep2.Monitors {
		if m.Type == quality.SchemaMonitor {
			schema = m
		}
	}
	if schema.Status != quality.Pass || !strings.HasPrefix(schema.Message, "schema matches the last recorded columns") {
		t.Errorf("second run's schema monitor: %+v", schema)
	}
}

func TestHistoryNeedsARunID(t *testing.T) {
	w := memWarehouse(t)
	if _, err := (quality.History{}).Append(t.Context(), w, &quality.Report{}); err == nil || !strings.Contains(err.Error(), "run id") {
		t.Errorf("err = %v", err)
	}
	if _, err := (quality.History{Table: "a b"}).Records(t.Context(), w, ""); err == nil {
		t.Error("bad table name accepted")
	}
	recs, err := (quality.History{}).Records(t.Context(), w, "")
	if err != nil || len(recs) != 0 {
		t.Errorf("missing table: %v, %v", recs, err)
	}
}
