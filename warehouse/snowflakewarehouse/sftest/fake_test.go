package sftest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

// fakeEngine is a scripted engine for the protocol tests: it knows a few
// statements and answers them with fixed results in Snowflake's JSON
// encoding.
type fakeEngine struct {
	stageDir string

	mu       sync.Mutex
	sessions []*fakeSession
	// cancelled counts the statements whose context ended.
	cancelled int
	// started is signalled when a blocking statement starts.
	started chan struct{}
}

func newFakeEngine(stageDir string) *fakeEngine {
	return &fakeEngine{stageDir: stageDir, started: make(chan struct{}, 16)}
}

func (e *fakeEngine) NewSession(_ context.Context, db, schema, wh, role string) (sftest.Session, error) {
	if db == "MISSING" {
		return nil, &sftest.Error{Code: 2043, SQLState: "02000", Message: "Object does not exist."}
	}
	s := &fakeSession{e: e, db: db, schema: schema, wh: wh, role: role}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sessions = append(e.sessions, s)
	return s, nil
}

func (e *fakeEngine) Close() error { return nil }

func (e *fakeEngine) cancelledCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cancelled
}

func (e *fakeEngine) openSessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.sessions {
		if !s.isClosed() {
			n++
		}
	}
	return n
}

type fakeSession struct {
	e                    *fakeEngine
	db, schema, wh, role string

	mu     sync.Mutex
	closed bool
}

func (s *fakeSession) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *fakeSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func str(v string) *string { return &v }

var putRE = regexp.MustCompile(`(?i)^PUT\s+'file://([^']+)'\s+'?@([^'\s]+)'?(.*)$`)

func (s *fakeSession) Execute(ctx context.Context, q string, binds []sftest.Binding) (*sftest.Result, error) {
	q = strings.TrimSuffix(strings.TrimSpace(q), ";")
	switch u := strings.ToUpper(q); {
	case u == "SELECT 1":
		return &sftest.Result{StatementTypeID: 0x1000,
			Columns: []sftest.Column{{Name: "1", Type: "fixed", Precision: 1}},
			Rows:    [][]*string{{str("1")}}}, nil
	case u == "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()":
		return &sftest.Result{StatementTypeID: 0x1000,
			Columns: []sftest.Column{{Name: "D", Type: "text"}, {Name: "S", Type: "text"}},
			Rows:    [][]*string{{str(s.db), str(s.schema)}}}, nil
	case u == "SELECT TYPES":
		return typesResult(), nil
	case strings.HasPrefix(u, "SELECT ECHO"):
		return echo(binds), nil
	case strings.HasPrefix(u, "INSERT"):
		return &sftest.Result{StatementTypeID: 0x3100,
			Columns: []sftest.Column{{Name: "number of rows inserted", Type: "fixed", Precision: 19}},
			Rows:    [][]*string{{str(fmt.Sprint(len(binds) + 2))}}}, nil
	case strings.HasPrefix(u, "USE "):
		return &sftest.Result{StatementTypeID: 0x6000,
			Columns: []sftest.Column{{Name: "status", Type: "text"}},
			Rows:    [][]*string{{str("Statement executed successfully.")}}}, nil
	case u == "SELECT BLOCK":
		s.e.started <- struct{}{}
		<-ctx.Done()
		s.e.mu.Lock()
		s.e.cancelled++
		s.e.mu.Unlock()
		return nil, ctx.Err()
	case u == "SELECT BOOM":
		return nil, fmt.Errorf("disk on fire")
	case strings.HasPrefix(u, "PUT "):
		return s.put(q)
	}
	return nil, &sftest.Error{Code: 1003, SQLState: "42000",
		Message: fmt.Sprintf("SQL compilation error:\nsyntax error line 1 at position 0 unexpected '%s'.", q)}
}

func (s *fakeSession) put(q string) (*sftest.Result, error) {
	m := putRE.FindStringSubmatch(q)
	if m == nil {
		return nil, &sftest.Error{Code: 1003, SQLState: "42000", Message: "bad PUT"}
	}
	opts := strings.ToUpper(m[3])
	return &sftest.Result{StatementTypeID: 0x6000, Upload: &sftest.Upload{
		SourceLocations: []string{m[1]},
		StageDir:        filepath.Join(s.e.stageDir, filepath.FromSlash(strings.Trim(m[2], "/"))),
		AutoCompress:    !strings.Contains(opts, "AUTO_COMPRESS = FALSE"),
		Overwrite:       strings.Contains(opts, "OVERWRITE = TRUE"),
		Parallel:        4,
	}}, nil
}

// typesResult is one row of each type, in Snowflake's JSON encoding, and a
// row of NULLs.
func typesResult() *sftest.Result {
	cols := []sftest.Column{
		{Name: "N", Type: "fixed", Precision: 38, Nullable: true},
		{Name: "D10", Type: "fixed", Precision: 10, Scale: 2, Nullable: true},
		{Name: "V", Type: "text", Length: 16777216, Nullable: true},
		{Name: "DT", Type: "date", Nullable: true},
		{Name: "TS", Type: "timestamp_ntz", Scale: 9, Nullable: true},
		{Name: "B", Type: "boolean", Nullable: true},
		{Name: "F", Type: "real", Nullable: true},
	}
	return &sftest.Result{StatementTypeID: 0x1000, Columns: cols, Rows: [][]*string{
		{str("42"), str("12.34"), str("héllo"), str("19723"), str("1704112496.123456789"), str("1"), str("1.5")},
		{nil, nil, nil, nil, nil, nil, nil},
	}}
}

// echo returns the bindings as text columns, with their types as names.
func echo(binds []sftest.Binding) *sftest.Result {
	r := &sftest.Result{StatementTypeID: 0x1000, Rows: [][]*string{{}}}
	for i, b := range binds {
		r.Columns = append(r.Columns, sftest.Column{Name: fmt.Sprintf("%d_%s", i+1, b.Type), Type: "text", Nullable: true})
		r.Rows[0] = append(r.Rows[0], b.Value)
	}
	return r
}
