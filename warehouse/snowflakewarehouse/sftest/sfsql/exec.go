package sfsql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// queryLeads are the leading words of statements that return rows.
var queryLeads = setOf(`SELECT WITH SHOW DESCRIBE DESC VALUES EXPLAIN (`)

// dmlColumns are the result columns of DML statements, as Snowflake
// names them (gosnowflake's Exec sums the first row for RowsAffected).
var dmlColumns = map[string]struct {
	typ  int64
	cols []string
}{
	"INSERT": {StatementInsert, []string{"number of rows inserted"}},
	"UPDATE": {StatementUpdate, []string{"number of rows updated", "number of multi-joined rows updated"}},
	"DELETE": {StatementDelete, []string{"number of rows deleted"}},
	"MERGE":  {StatementMerge, []string{"number of rows inserted", "number of rows updated", "number of rows deleted"}},
}

// ddlLeads are statements that implicitly commit an open transaction.
var ddlLeads = setOf(`CREATE ALTER DROP UNDROP TRUNCATE COMMENT`)

// sqlStatement translates a statement to DuckDB and runs it on the
// session's connection.
func (s *Session) sqlStatement(ctx context.Context, st *stmt) (*Result, error) {
	r := &rewriter{s: s, st: st}
	q, err := r.translate()
	if err != nil {
		return nil, err
	}
	lead := tokText(st.sig[0])
	if ddlLeads[lead] {
		if err := s.implicitCommit(ctx); err != nil {
			return nil, err
		}
	}
	switch {
	case queryLeads[lead]:
		return s.query(ctx, q)
	case dmlColumns[lead].cols != nil:
		return s.dml(ctx, q, lead)
	}
	if _, err := s.conn.ExecContext(ctx, q); err != nil {
		return nil, fromDuck(fmt.Errorf("%w [%s]", err, q))
	}
	return statusResult("Statement executed successfully."), nil
}

// dml runs INSERT, UPDATE, DELETE or MERGE and reports the rows changed.
func (s *Session) dml(ctx context.Context, q, lead string) (*Result, error) {
	res, err := s.conn.ExecContext(ctx, q)
	if err != nil {
		return nil, fromDuck(fmt.Errorf("%w [%s]", err, q))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("sfsql: rows affected: %w", err)
	}
	d := dmlColumns[lead]
	out := &Result{StatementTypeID: d.typ}
	row := make([]*string, len(d.cols))
	for i, c := range d.cols {
		out.Columns = append(out.Columns, Column{Name: c, Type: "fixed", Precision: 19})
		v := "0"
		if i == 0 {
			v = strconv.FormatInt(n, 10)
		}
		row[i] = &v
	}
	out.Rows = [][]*string{row}
	return out, nil
}

// query runs a query and encodes its rows.
func (s *Session) query(ctx context.Context, q string) (*Result, error) {
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fromDuck(fmt.Errorf("%w [%s]", err, q))
	}
	defer func() { _ = rows.Close() }()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("sfsql: column types: %w", err)
	}
	out := &Result{StatementTypeID: StatementSelect}
	for _, ct := range types {
		p, sc, _ := ct.DecimalSize()
		c := rowType(ct.DatabaseTypeName(), p, sc)
		c.Name, c.Nullable = ct.Name(), true
		out.Columns = append(out.Columns, c)
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fromDuck(err)
		}
		row := make([]*string, len(vals))
		for i, v := range vals {
			row[i] = encode(out.Columns[i], v)
		}
		out.Rows = append(out.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fromDuck(err)
	}
	return out, nil
}

// encode renders a value in Snowflake's JSON result encoding for its
// column's rowtype, as gosnowflake's converter.go stringToValue reads it:
// fixed as decimal text, real as a float, date as days since the epoch,
// time as seconds since midnight, timestamp_ntz/ltz as
// "seconds.nanoseconds" since the epoch, timestamp_tz with " offset"
// (minutes + 1440), binary as hex, boolean as "1"/"0" (assumed from the
// Python connector's JSON converter, which reads "1" and "TRUE" as true).
func encode(c Column, v any) *string {
	if v == nil {
		return nil
	}
	var s string
	switch c.Type {
	case "fixed":
		s = fixedText(v, c.Scale)
	case "real":
		s = realText(v)
	case "boolean":
		s = map[bool]string{true: "1", false: "0"}[v == true]
	case "date":
		t := v.(time.Time)
		s = strconv.FormatInt(int64(math.Floor(float64(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix())/86400)), 10)
	case "time":
		t := v.(time.Time)
		s = fmt.Sprintf("%d.%09d", t.Hour()*3600+t.Minute()*60+t.Second(), t.Nanosecond())
	case "timestamp_ntz", "timestamp_ltz":
		s = epochText(v.(time.Time))
	case "timestamp_tz":
		t := v.(time.Time)
		_, off := t.Zone()
		s = fmt.Sprintf("%s %d", epochText(t), off/60+1440)
	case "binary":
		s = fmt.Sprintf("%X", v)
	default:
		s = textOf(v)
	}
	return &s
}

// epochText is "seconds.nanoseconds" since the epoch; a timestamp without
// time zone is read as UTC wall-clock time.
func epochText(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// fixedText renders an integer or decimal as decimal text with scale
// digits after the point.
func fixedText(v any, scale int64) string {
	switch x := v.(type) {
	case duckdb.Decimal:
		return decimalText(x.Value, int64(x.Scale))
	case *big.Int:
		return decimalText(x, scale)
	case float64:
		return strconv.FormatFloat(x, 'f', int(scale), 64)
	}
	return fmt.Sprint(v)
}

// decimalText renders unscaled / 10^scale.
func decimalText(unscaled *big.Int, scale int64) string {
	s := new(big.Int).Abs(unscaled).String()
	if scale > 0 {
		for int64(len(s)) <= scale {
			s = "0" + s
		}
		s = s[:int64(len(s))-scale] + "." + s[int64(len(s))-scale:]
	}
	if unscaled.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// realText renders a float as Snowflake does, with NaN and inf spelled
// "NaN", "inf" and "-inf".
func realText(v any) string {
	f, ok := v.(float64)
	if x, isF32 := v.(float32); isF32 {
		f, ok = float64(x), true
	}
	if !ok {
		return fmt.Sprint(v)
	}
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// textOf renders text and anything else (UUIDs, intervals, lists) as
// text.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// execSQL runs DuckDB SQL on the session's connection (the engine's own
// statements: COPY's inserts).
func (s *Session) execSQL(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.conn.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, fromDuck(err)
	}
	return res, nil
}
