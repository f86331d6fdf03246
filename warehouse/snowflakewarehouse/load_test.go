package snowflakewarehouse_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// tempPathRE matches the temporary folder a streamed file is copied to
// for PUT.
var tempPathRE = regexp.MustCompile(`file://[^']*/edqm-put-[^/']*/`)

// tempPaths shows the temporary folders of a log as one, for the goldens.
func tempPaths(log string) string { return tempPathRE.ReplaceAllString(log, "file:///tmp/edqm-put/") }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

var columns = []string{"order_id", "customer_id", "quantity", "total_amount", "status"}

const (
	key1   = "orders/date=2024-01-01/orders-2024-01-01.csv"
	key2   = "orders/date=2024-01-02/orders-2024-01-02.csv"
	header = "order_id,customer_id,quantity,total_amount,status\n"
	file1  = header + "O1,C1,2,20.00,COMPLETED\nO2,,1,\"1,000.00\",PENDING\nO3,C3,5,50.00,SHIPPED\n"
	file2  = header + "O4,C4,1,10.00,CANCELLED\nO5,C5,3,30.00\nO6,C6,1,10.00,PENDING\n"
)

var loadedAt = time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)

func testConfig() *snowflakewarehouse.Config {
	return &snowflakewarehouse.Config{
		Database: "EDQM", Schema: "RAW", Uploads: 1,
		Setup: snowflakewarehouse.SetupNone, Clock: edqm.FixedClock(loadedAt),
	}
}

// newWarehouse returns a Warehouse on a fake Snowflake, with the set-up
// statements already taken from the log.
func newWarehouse(t *testing.T, f *fakeSnowflake, cfg *snowflakewarehouse.Config) *snowflakewarehouse.Warehouse {
	t.Helper()
	w, err := snowflakewarehouse.New(t.Context(), f.open(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.statements()
	return w
}

func putFiles(t *testing.T, l landing.Lander, files map[string]string) {
	t.Helper()
	for k, v := range files {
		if err := l.Put(t.Context(), k, strings.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
}

// copyRow is one canned COPY result row.
func copyRow(file, status string, parsed, loaded, errs int, firstError string, line int) map[string]string {
	r := map[string]string{"file": file, "status": status, "rows_parsed": fmt.Sprint(parsed),
		"rows_loaded": fmt.Sprint(loaded), "errors_seen": fmt.Sprint(errs), "error_limit": fmt.Sprint(parsed)}
	if firstError != "" {
		r["first_error"] = firstError
		r["first_error_line"] = fmt.Sprint(line)
	}
	return r
}

const columnError = "Number of columns in file (4) does not match that of the corresponding table (5)"

func TestSetupSQLGolden(t *testing.T) {
	schema, err := snowflakewarehouse.SetupSQL(&snowflakewarehouse.Config{Database: "edqm", Schema: "raw"}, snowflakewarehouse.SetupSchema)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "setup_schema.sql", snowflakewarehouse.Script(schema))
	all, err := snowflakewarehouse.SetupSQL(&snowflakewarehouse.Config{
		Database: "EDQM", Schema: "RAW", Warehouse: "EDQM_WH", Role: "EDQM_LOADER",
		S3: &snowflakewarehouse.S3Stage{URL: "s3://edqm-landing/prod/", AWSRoleARN: "arn:aws:iam::123456789012:role/edqm-snowflake"},
	}, snowflakewarehouse.SetupAll)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "setup_all.sql", snowflakewarehouse.Script(all))
	replace, err := snowflakewarehouse.SetupSQL(&snowflakewarehouse.Config{
		Database: "EDQM", Schema: "RAW", Replace: true,
		S3: &snowflakewarehouse.S3Stage{URL: "s3://edqm-landing/prod/"},
	}, snowflakewarehouse.SetupSchema)
	require.NoError(t, err)
	golden(t, "setup_replace.sql", snowflakewarehouse.Script(replace))
	if none, err := snowflakewarehouse.SetupSQL(&snowflakewarehouse.Config{Database: "EDQM"}, snowflakewarehouse.SetupNone); err != nil || len(none) != 0 {
		t.Errorf("SetupNone = %v, %v; want nothing", none, err)
	}
	for _, bad := range []*snowflakewarehouse.Config{
		nil,
		{},
		{Database: "EDQM; DROP DATABASE X"},
		{Database: "EDQM", Role: `R"`},
		{Database: "EDQM", S3: &snowflakewarehouse.S3Stage{URL: "s3://bucket/no-slash"}},
		{Database: "EDQM", S3: &snowflakewarehouse.S3Stage{URL: "https://bucket/"}},
		{Database: "EDQM", S3: &snowflakewarehouse.S3Stage{URL: "s3://bucket/'; DROP/"}},
		{Database: "EDQM", S3: &snowflakewarehouse.S3Stage{URL: "s3://bucket/", AWSRoleARN: "role/x"}},
		{Database: "EDQM", Setup: 7},
	} {
		if _, err := snowflakewarehouse.SetupSQL(bad, snowflakewarehouse.SetupAll); err == nil {
			t.Errorf("SetupSQL(%+v) succeeded", bad)
		}
	}
}

func TestNewRunsSetup(t *testing.T) {
	f := newFake()
	cfg := testConfig()
	cfg.Setup = snowflakewarehouse.SetupSchema
	if _, err := snowflakewarehouse.New(t.Context(), f.open(t), cfg); err != nil {
		t.Fatal(err)
	}
	want, err := snowflakewarehouse.SetupSQL(cfg, snowflakewarehouse.SetupSchema)
	if err != nil {
		t.Fatal(err)
	}
	got := f.statements()
	if len(got) != len(want)+1 || got[0] != "SELECT 1" {
		t.Fatalf("statements = %q, want a ping and %d set-up statements", got, len(want))
	}
	for i, s := range want {
		if got[i+1] != s.SQL {
			t.Errorf("statement %d = %q, want %q", i, got[i+1], s.SQL)
		}
	}

	f.fail["CREATE FILE FORMAT"] = &sf.SnowflakeError{Number: 3001, Message: "Insufficient privileges"}
	_, err = snowflakewarehouse.New(t.Context(), f.open(t), cfg)
	var se *sf.SnowflakeError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "set-up") || !strings.Contains(err.Error(), "FILE FORMAT") {
		t.Errorf("error = %v, want the driver's error naming the set-up statement", err)
	}
}

func TestLoadLocalFiles(t *testing.T) {
	ctx := t.Context()
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	dir := t.TempDir()
	l, err := filelanding.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	putFiles(t, l, map[string]string{key1: file1, key2: file2})
	f.copyResults = [][]map[string]string{{
		copyRow("edqm_landing/"+key1, "LOADED", 3, 3, 0, "", 0),
		copyRow("edqm_landing/"+key2, "PARTIALLY_LOADED", 3, 2, 1, columnError, 3),
	}}
	f.rejected = []int64{1}
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, key2}})
	if err != nil {
		t.Fatal(err)
	}
	want := []warehouse.FileResult{
		{Key: key1, Parsed: 3, Loaded: 3},
		{Key: key2, Parsed: 3, Loaded: 2, Rejected: 1, FirstError: columnError, FirstErrorLine: 3},
	}
	if !reflect.DeepEqual(res.Files, want) {
		t.Errorf("files = %+v\nwant %+v", res.Files, want)
	}
	// The local paths vary with the temporary folder: show them relative.
	log := strings.ReplaceAll(script(f.statements()), filepath.ToSlash(dir), "/landing")
	golden(t, "load_local.sql", log)

	// Again: both files are in the ledger, nothing is copied.
	res, err = w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, key2}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Files[0].Skipped || !res.Files[1].Skipped {
		t.Errorf("second load: %+v, want both skipped", res.Files)
	}
	for _, s := range f.statements() {
		if strings.HasPrefix(s, "PUT") || strings.HasPrefix(s, "COPY") || s == "BEGIN" {
			t.Errorf("second load ran %q", s)
		}
	}
}

func TestLoadStreamedForced(t *testing.T) {
	ctx := t.Context()
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	putFiles(t, l, map[string]string{key1: file1, "it's/a file.csv": file1})
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, "it's/a file.csv"}, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || res.Files[0] != (warehouse.FileResult{Key: key1, Parsed: 3, Loaded: 3}) {
		t.Errorf("files = %+v", res.Files)
	}
	golden(t, "load_stream_forced.sql", tempPaths(script(f.statements())))
}

// s3Lander is a memory Lander that says its files are in S3.
type s3Lander struct {
	*memlanding.Lander
	bucket, prefix string
}

func (l s3Lander) Bucket() string { return l.bucket }
func (l s3Lander) Prefix() string { return l.prefix }

func TestLoadFromS3(t *testing.T) {
	ctx := t.Context()
	f := newFake()
	cfg := testConfig()
	cfg.S3 = &snowflakewarehouse.S3Stage{URL: "s3://edqm-landing/prod/"}
	w := newWarehouse(t, f, cfg)
	l := s3Lander{memlanding.New(), "edqm-landing", "prod/"}
	putFiles(t, l, map[string]string{key1: file1, key2: file2})
	f.copyResults = [][]map[string]string{{
		copyRow("s3://edqm-landing/prod/"+key2, "PARTIALLY_LOADED", 3, 2, 1, columnError, 3),
		copyRow("s3://edqm-landing/prod/"+key1, "LOADED", 3, 3, 0, "", 0),
	}}
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, key2}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files[0].Key != key1 || res.Files[1].Key != key2 || res.Files[1].Loaded != 2 {
		t.Errorf("files = %+v, want them in the request's order", res.Files)
	}
	golden(t, "load_s3.sql", script(f.statements()))

	// A Lander rooted elsewhere in S3 cannot use the stage.
	other := s3Lander{l.Lander, "edqm-landing", ""}
	_, err = w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: other, Keys: []string{key1}})
	if err == nil || !strings.Contains(err.Error(), "landing root") {
		t.Errorf("error = %v, want one about the landing root", err)
	}
	// Without an S3 stage configured, the same Lander is uploaded.
	f2 := newFake()
	w2 := newWarehouse(t, f2, testConfig())
	if _, err := w2.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1}}); err != nil {
		t.Fatal(err)
	}
	if log := tempPaths(script(f2.statements())); !strings.Contains(log, "PUT 'file:///tmp/edqm-put/orders-2024-01-01.csv'") {
		t.Errorf("no PUT without an S3 stage:\n%s", log)
	}
}

func TestLoadBatchesOfAThousand(t *testing.T) {
	ctx := t.Context()
	f := newFake()
	cfg := testConfig()
	cfg.Uploads = 8
	w := newWarehouse(t, f, cfg)
	l := memlanding.New()
	var keys []string
	for i := range 2500 {
		k := fmt.Sprintf("orders/date=2024-01-01/part-%04d.csv", i)
		keys = append(keys, k)
		putFiles(t, l, map[string]string{k: file1})
	}
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if files, parsed, _, _ := res.Totals(); files != 2500 || parsed != 7500 {
		t.Errorf("totals: %d files, %d rows", files, parsed)
	}
	var sizes []int
	puts := 0
	for _, s := range f.statements() {
		if strings.HasPrefix(s, "PUT") {
			puts++
		}
		if m := filesRE.FindStringSubmatch(s); m != nil {
			sizes = append(sizes, len(quotedList(m[1])))
		}
	}
	if !reflect.DeepEqual(sizes, []int{1000, 1000, 500}) || puts != 2500 {
		t.Errorf("COPY sizes %v and %d PUTs, want [1000 1000 500] and 2500", sizes, puts)
	}
}

func TestLoadAmbiguousNamesSplitBatches(t *testing.T) {
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	keys := []string{"a/b.csv", "c.csv", "x/a/b.csv", "a/b.csv"}
	putFiles(t, l, map[string]string{"a/b.csv": file1, "c.csv": file1, "x/a/b.csv": file1})
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	var copies [][]string
	for _, s := range f.statements() {
		if m := filesRE.FindStringSubmatch(s); m != nil {
			copies = append(copies, quotedList(m[1]))
		}
	}
	if want := [][]string{{"a/b.csv", "c.csv"}, {"x/a/b.csv"}}; !reflect.DeepEqual(copies, want) {
		t.Errorf("COPY batches %q, want %q", copies, want)
	}
	if len(res.Files) != 4 || !res.Files[3].Skipped || res.Files[2].Loaded != 3 {
		t.Errorf("files = %+v, want the repeated key skipped", res.Files)
	}
}

func TestLoadBadHeaderStopsAtTheFile(t *testing.T) {
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	key3 := "orders/date=2024-01-03/orders-2024-01-03.csv"
	putFiles(t, l, map[string]string{key1: file1, key2: strings.Replace(file2, "customer_id", "customer", 1), key3: file1})
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, key2, key3}})
	if !errors.Is(err, warehouse.ErrBadFile) || !strings.Contains(err.Error(), `"customer"`) || !strings.Contains(err.Error(), key2) {
		t.Fatalf("error = %v, want ErrBadFile naming %s and the column", err, key2)
	}
	if len(res.Files) != 1 || res.Files[0].Key != key1 || res.Files[0].Loaded != 3 {
		t.Errorf("files = %+v, want the first file only", res.Files)
	}
	for _, s := range f.statements() {
		if strings.Contains(s, key2) || strings.Contains(s, key3) {
			t.Errorf("a statement names a file after the bad one: %q", s)
		}
	}
	if _, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{"missing.csv"}}); !errors.Is(err, landing.ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}
}

// committedNothing checks that the last transaction rolled back.
func committedNothing(t *testing.T, log []string) {
	t.Helper()
	var ends []string
	for _, s := range log {
		if s == "COMMIT" || s == "ROLLBACK" {
			ends = append(ends, s)
		}
	}
	if !reflect.DeepEqual(ends, []string{"ROLLBACK"}) {
		t.Errorf("transaction ends %v, want one ROLLBACK:\n%s", ends, script(log))
	}
}

func TestLoadFailuresRollBack(t *testing.T) {
	for name, tc := range map[string]struct {
		copy     []map[string]string
		rejected int64
		want     string
	}{
		"validate returns fewer rows": {
			copy:     []map[string]string{copyRow(key1, "PARTIALLY_LOADED", 3, 1, 2, columnError, 3)},
			rejected: 1, want: "VALIDATE returned 1 rejected rows, COPY reported 2",
		},
		"file-level error": {
			copy: []map[string]string{copyRow(key1, "LOAD_FAILED", 0, 0, 1, "Invalid data encountered during decompression", 1)},
			want: "decompression",
		},
		"unknown file": {
			copy: []map[string]string{copyRow("elsewhere.csv", "LOADED", 3, 3, 0, "", 0)},
			want: `"elsewhere.csv"`,
		},
		"loaded more than parsed": {
			copy: []map[string]string{copyRow(key1, "LOADED", 3, 4, 0, "", 0)},
			want: "4 rows loaded of 3 parsed",
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			w := newWarehouse(t, f, testConfig())
			l := memlanding.New()
			putFiles(t, l, map[string]string{key1: file1})
			f.copyResults = [][]map[string]string{tc.copy}
			f.rejected = []int64{tc.rejected}
			res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if len(res.Files) != 0 {
				t.Errorf("files = %+v, want none", res.Files)
			}
			committedNothing(t, f.statements())
			if len(f.ledger) != 0 {
				t.Errorf("ledger = %q", f.ledger)
			}
		})
	}
}

// TestLoadNeverSkippedBySnowflake: COPY runs with FORCE = TRUE, the ledger
// deciding; a file COPY does not load is an error, never "skipped" (it
// would be retried and skipped forever).
func TestLoadNeverSkippedBySnowflake(t *testing.T) {
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	putFiles(t, l, map[string]string{key1: file1, key2: file1})
	for _, canned := range [][]map[string]string{
		{copyRow(key1, "LOADED", 3, 3, 0, "", 0)},
		{copyRow(key1, "LOADED", 3, 3, 0, "", 0), copyRow(key2, "LOAD_SKIPPED", 0, 0, 0, "", 0)},
		{{"status": "Copy executed with 0 files processed."}},
	} {
		f.copyResults = [][]map[string]string{canned}
		res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1, key2}})
		require.ErrorContains(t, err, "did not load")
		assert.Empty(t, res.Files)
		assert.Empty(t, f.ledger)
		committedNothing(t, f.statements())
	}
	require.NoError(t, loadOK(t, w, l, key1))
	for _, s := range f.statements() {
		if strings.HasPrefix(s, "COPY") {
			assert.Contains(t, s, "FORCE = TRUE")
		}
	}
}

// loadOK loads keys into raw_orders.
func loadOK(t *testing.T, w *snowflakewarehouse.Warehouse, l landing.Lander, keys ...string) error {
	_, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: keys})
	return err
}

func TestLoadCancelledDuringCopy(t *testing.T) {
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	putFiles(t, l, map[string]string{key1: file1})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.onQuery = func(q string) {
		if strings.HasPrefix(q, "COPY") {
			cancel()
		}
	}
	_, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	committedNothing(t, f.statements())
}

func TestLoadChecksRequestsAndTables(t *testing.T) {
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	l := memlanding.New()
	for _, req := range []warehouse.LoadRequest{
		{Table: "x; DROP TABLE y", Columns: columns, Source: l},
		{Table: "t", Columns: []string{"a", "_FILE"}, Source: l},
		{Table: "t", Columns: []string{"a", "A"}, Source: l},
		{Table: "t", Columns: columns, Keys: []string{"k.csv"}},
		{Table: "t", Columns: columns, Source: l, Keys: []string{"../k.csv"}},
	} {
		if _, err := w.Load(t.Context(), req); err == nil {
			t.Errorf("Load(%+v) succeeded", req)
		}
	}
	if len(f.statements()) != 0 {
		t.Error("a refused request ran SQL")
	}
	// The fake's existing tables have the conformance columns: another
	// column list is refused with the difference.
	f.tables["RAW_ORDERS"] = true
	_, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: []string{"order_id", "customer"}, Source: l})
	if err == nil || !strings.Contains(err.Error(), `"CUSTOMER_ID", want "CUSTOMER"`) {
		t.Errorf("error = %v, want the column difference", err)
	}
}

func TestStatements(t *testing.T) {
	ctx := t.Context()
	f := newFake()
	w := newWarehouse(t, f, testConfig())
	if err := w.ExecAtomic(ctx, "DELETE FROM t", "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if got, want := f.statements(), []string{"BEGIN", "DELETE FROM t", "INSERT INTO t VALUES (1)", "COMMIT"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ExecAtomic ran %q, want %q", got, want)
	}
	f.fail["INSERT"] = &sf.SnowflakeError{Number: 2003, Message: "Object 'T' does not exist"}
	err := w.ExecAtomic(ctx, "DELETE FROM t", "INSERT INTO t VALUES (1)")
	var se *sf.SnowflakeError
	if !errors.As(err, &se) || se.Number != 2003 {
		t.Errorf("error = %v, want the driver's error", err)
	}
	if got := f.statements(); got[len(got)-1] != "ROLLBACK" {
		t.Errorf("failed ExecAtomic ran %q, want a ROLLBACK", got)
	}
	if err := w.Exec(ctx, "INSERT INTO t VALUES (?)", 1); !errors.As(err, &se) || !strings.Contains(err.Error(), "INSERT INTO t") {
		t.Errorf("Exec error = %v", err)
	}
	f.tables["RT"] = true
	for name, want := range map[string]bool{"rt": true, "RT": true, "nope": false} {
		if ok, err := w.TableExists(ctx, name); err != nil || ok != want {
			t.Errorf("TableExists(%q) = %v, %v", name, ok, err)
		}
	}
	if w.Dialect().Name() != "snowflake" {
		t.Errorf("dialect %q", w.Dialect().Name())
	}
	var db *sql.DB
	if !w.As(&db) || db == nil {
		t.Error("As(**sql.DB) = false")
	}
}
