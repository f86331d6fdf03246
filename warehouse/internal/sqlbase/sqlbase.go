// Package sqlbase is what the database/sql Warehouses (duckdbwarehouse,
// snowflakewarehouse) do alike: Exec, Query, ExecAtomic and As over a
// *sql.DB, and the errors that name the statement. Each engine keeps its
// own exported methods, with their contracts, and calls these.
package sqlbase

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Base runs SQL on DB; Pkg ("duckdbwarehouse") prefixes its errors. It is
// two words, cheap to build for each call.
type Base struct {
	DB  *sql.DB
	Pkg string
}

// As sets a target of type **sql.DB to DB and reports whether it did; any
// other target, or a nil one, is left alone and gives false.
func (b Base) As(target any) bool {
	if p, ok := target.(**sql.DB); ok && p != nil {
		*p = b.DB
		return true
	}
	return false
}

// Exec runs a statement that returns no rows with args. Its error is
// [Base.Error]'s.
func (b Base) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := b.DB.ExecContext(ctx, query, args...); err != nil {
		return b.Error("exec", query, err)
	}
	return nil
}

// Query runs a query with args. The caller closes the rows. Its error is
// [Base.Error]'s.
func (b Base) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := b.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, b.Error("query", query, err)
	}
	return rows, nil
}

// ExecAtomic runs statements in order in one transaction on one
// connection: all of them take effect, or none on an error or once ctx is
// done (checked again before the commit). What the engine commits on its
// own (Snowflake's DDL) is the engine's to document. The error of a
// statement is [Base.Error]'s; a context error is returned unwrapped.
func (b Base) ExecAtomic(ctx context.Context, statements ...string) error {
	conn, err := b.DB.Conn(ctx)
	if err != nil {
		return b.wrap("exec", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return b.wrap("begin", err)
	}
	for _, q := range statements {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			_ = tx.Rollback()
			return b.Error("exec", q, err)
		}
	}
	if err := ctx.Err(); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return b.wrap("commit", err)
	}
	return nil
}

// wrap prefixes err with the package and op, but returns a context error
// unwrapped.
func (b Base) wrap(op string, err error) error {
	if isContextErr(err) {
		return err
	}
	return fmt.Errorf("%s: %s: %w", b.Pkg, op, err)
}

// Error wraps err with the package, the operation ("exec", "query") and
// the first line of the statement (see [FirstLine]); it never includes
// arguments. A context error (context.Canceled, context.DeadlineExceeded)
// is returned unwrapped.
func (b Base) Error(op, query string, err error) error {
	if isContextErr(err) {
		return err
	}
	return fmt.Errorf("%s: %s %q: %w", b.Pkg, op, FirstLine(query), err)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// FirstLine returns the first non-blank line of a statement, trimmed and
// cut to at most 100 bytes (never inside a character) followed by "…".
func FirstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = strings.TrimSpace(q[:i])
	}
	const max = 100
	if len(q) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut] + "…"
	}
	return q
}
