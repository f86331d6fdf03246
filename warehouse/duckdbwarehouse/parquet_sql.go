package duckdbwarehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"

	"github.com/edqm/edqm/warehouse"
)

// parquetSelect holds, per raw column, the SQL that reads it from a
// Parquet file: its text, whether the row's value fits a VARCHAR column,
// and the reason when it does not.
type parquetSelect struct {
	columns       []string
	text, raw     []string
	fits, reasons []string // fits[i] == "" when every value fits
}

// newParquetSelect maps the request's columns onto the file's (matched by
// name, ignoring case).
func newParquetSelect(want []string, cols []parquetColumn) *parquetSelect {
	p := &parquetSelect{columns: want}
	for _, c := range want {
		var pc parquetColumn
		for _, x := range cols {
			if strings.EqualFold(x.name, c) {
				pc = x
			}
		}
		ref := quote(pc.name)
		typ := strings.ToUpper(pc.typ)
		text, fits, reason := "NULLIF(TRY_CAST("+ref+" AS VARCHAR), '')", "", ""
		switch {
		case typ == "VARCHAR":
			text = "NULLIF(" + ref + ", '')"
		case typ == "BLOB":
			text = "NULLIF(TRY(decode(" + ref + ")), '')"
			fits = ref + " IS NULL OR TRY(decode(" + ref + ")) IS NOT NULL"
			reason = "column " + c + ": bytes that are not UTF-8 text"
		case strings.HasSuffix(typ, "]") || strings.HasPrefix(typ, "STRUCT") || strings.HasPrefix(typ, "MAP") || strings.HasPrefix(typ, "UNION"):
			text = "NULL"
			fits = ref + " IS NULL"
			reason = "column " + c + ": a " + pc.typ + " value, which a VARCHAR column cannot hold"
		}
		p.text = append(p.text, text)
		p.raw = append(p.raw, quote(c)+" := TRY_CAST("+ref+" AS VARCHAR)")
		p.fits = append(p.fits, fits)
		p.reasons = append(p.reasons, reason)
	}
	return p
}

// where returns the condition of the rows that fit ("TRUE" when every row
// does).
func (p *parquetSelect) where() string {
	var conds []string
	for _, f := range p.fits {
		if f != "" {
			conds = append(conds, "("+f+")")
		}
	}
	if len(conds) == 0 {
		return "TRUE"
	}
	return strings.Join(conds, " AND ")
}

// insertRows is the INSERT of the rows that fit; keyExpr is the SQL of a
// row's _file.
func (p *parquetSelect) insertRows(table, keyExpr, src string) string {
	cols := make([]string, len(p.columns))
	for i, c := range p.columns {
		cols[i] = quote(c)
	}
	return "INSERT INTO " + quote(table) + " (" + strings.Join(cols, ", ") + ", _file, _line) SELECT " +
		strings.Join(p.text, ", ") + ", " + keyExpr + ", file_row_number + 2 FROM " + src + " WHERE " + p.where()
}

// insertRejects is the INSERT into the rejects of the rows that do not
// fit; "" when every row fits. keyExpr is the SQL of a row's file.
func (p *parquetSelect) insertRejects(table, keyExpr, src string) string {
	w := p.where()
	if w == "TRUE" {
		return ""
	}
	var reason strings.Builder
	reason.WriteString("CASE")
	for i, f := range p.fits {
		if f != "" {
			reason.WriteString(" WHEN NOT (" + f + ") THEN " + sqlString(p.reasons[i]))
		}
	}
	reason.WriteString(" END")
	return "INSERT INTO " + warehouse.RejectsTable + " (table_name, file, line, reason, raw) SELECT " +
		sqlString(table) + ", " + keyExpr + ", file_row_number + 2, " + reason.String() +
		", CAST(to_json(struct_pack(" + strings.Join(p.raw, ", ") + ")) AS VARCHAR) FROM " + src + " WHERE NOT (" + w + ")"
}

// execCount runs q on conn and returns the rows it changed; 0 for an
// empty q.
func execCount(ctx context.Context, conn driver.Conn, q, key string) (int64, error) {
	if q == "" {
		return 0, nil
	}
	res, err := conn.(driver.ExecerContext).ExecContext(ctx, q, nil)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("duckdbwarehouse: load %s: %w", key, sqlError("exec", q, err))
	}
	return res.RowsAffected()
}

// queryRow runs q on conn and scans its first row into dst.
func queryRow(ctx context.Context, conn driver.Conn, q, key string, dst []driver.Value) error {
	rows, err := conn.(driver.QueryerContext).QueryContext(ctx, q, nil)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("duckdbwarehouse: load %s: %w", key, sqlError("query", q, err))
	}
	defer rows.Close()
	if err := rows.Next(dst); err != nil {
		if err == io.EOF {
			err = fmt.Errorf("no row")
		}
		return fmt.Errorf("duckdbwarehouse: load %s: %w", key, sqlError("query", q, err))
	}
	return nil
}

// queryInts runs q, which returns one BIGINT, into n.
func queryInts(ctx context.Context, conn driver.Conn, q, key string, n *int64) error {
	v := make([]driver.Value, 1)
	if err := queryRow(ctx, conn, q, key, v); err != nil {
		return err
	}
	i, ok := v[0].(int64)
	if !ok {
		return fmt.Errorf("duckdbwarehouse: load %s: %s gave %T, want int64", key, q, v[0])
	}
	*n = i
	return nil
}
