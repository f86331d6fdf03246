package quality

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/parquetfile"
)

var keyDate = regexp.MustCompile(`date=([0-9]{4}-[0-9]{2}-[0-9]{2})`)

// CheckHeaders is a schema-change check for landed CSV files, run before
// they are loaded: it reads the header of each file (of a .parquet file,
// its columns) and compares it with
// want (the raw table's columns, in order). It returns the keys whose
// header matches, ready to load, and one result of type SchemaMonitor named
// "schema_changes_landed_<table>" with a bucket per file (its day from the
// key's "date=YYYY-MM-DD", the number of changes as value), anomalous when
// the header differs. A file that is not loaded because of a changed
// header stays in the landing zone, and the result says why, with error
// severity.
//
// Pass the result to the reporter in Options.MonitorResults so that it
// reaches the report, the incidents and the history.
func CheckHeaders(ctx context.Context, l landing.Lander, table string, keys, want []string) ([]string, MonitorResult, error) {
	r := MonitorResult{Name: "schema_changes_landed_" + table, Type: SchemaMonitor, Model: table, Severity: Error, Status: Pass,
		Columns: append([]string(nil), want...), SQL: "-- header of each landed file"}
	start := time.Now()
	wanted := make([][2]string, len(want))
	for i, c := range want {
		wanted[i] = [2]string{c, ""}
	}
	var ok, bad []string
	for _, key := range keys {
		header, err := readHeader(ctx, l, key)
		if err != nil {
			return nil, r, err
		}
		have := make([][2]string, len(header))
		for i, c := range header {
			have[i] = [2]string{strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")), ""}
		}
		changes := diffColumns(wanted, have)
		day := ""
		if m := keyDate.FindStringSubmatch(key); m != nil {
			day = m[1]
		}
		r.Buckets = append(r.Buckets, Bucket{Day: day, Value: float64(len(changes)), HasValue: true, Trained: true, Anomalous: len(changes) > 0})
		if len(changes) == 0 {
			ok = append(ok, key)
			continue
		}
		r.Anomalies++
		parts := make([]string, len(changes))
		for i, c := range changes {
			parts[i] = c.String()
		}
		bad = append(bad, key+" ("+strings.Join(parts, "; ")+")")
		r.Changes = append(r.Changes, changes...)
	}
	r.Message = fmt.Sprintf("%d file(s) match the columns of %s", len(ok), table)
	if len(bad) > 0 {
		r.Status = Fail
		r.Message = fmt.Sprintf("%d file(s) not loaded, their header differs: %s", len(bad), strings.Join(bad, ", "))
	}
	r.Duration = time.Since(start)
	return ok, r, nil
}

// readHeader returns the first CSV record of a file.
func readHeader(ctx context.Context, l landing.Lander, key string) ([]string, error) {
	rc, err := l.Get(ctx, key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("quality: header of %s: %w", key, err)
	}
	defer rc.Close()
	if strings.HasSuffix(key, "."+parquetfile.Extension) {
		return parquetHeader(key, rc)
	}
	cr := csv.NewReader(bufio.NewReader(rc))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("quality: header of %s: %w", key, err)
	}
	return rec, nil
}

// parquetHeader returns the column names of a Parquet file.
func parquetHeader(key string, r io.Reader) ([]string, error) {
	data, err := io.ReadAll(r)
	if err == nil {
		var cols []string
		if cols, _, err = parquetfile.Inspect(data); err == nil {
			return cols, nil
		}
	}
	return nil, fmt.Errorf("quality: header of %s: %w", key, err)
}
