package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/edqm/edqm/warehouse"
)

// Verified is what [Verify] read.
type Verified struct {
	// Tables and Rows count the tables read whole and their rows.
	Tables int
	Rows   int64
}

// VerifyRemedy is the remedy [Verify]'s corruption errors give.
const VerifyRemedy = "restore the warehouse from a backup, or delete it and run again: every landed file loads again from the landing zone, which keeps them with their manifests (the results history starts over)"

// Verify reads every row of every table of wh's current schema, every
// column, so that a damaged database file shows now rather than when a
// query next touches the damaged part. A table that cannot be read is an
// error wrapping [warehouse.ErrCorrupt] that names it and gives
// [VerifyRemedy]; context errors are returned as they are.
func Verify(ctx context.Context, wh warehouse.Warehouse) (*Verified, error) {
	names, err := tableNames(ctx, wh)
	if err != nil {
		return nil, err
	}
	v := &Verified{}
	for _, name := range names {
		n, err := readTable(ctx, wh, name)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return v, ctx.Err()
			}
			return v, fmt.Errorf("pipeline: verify: %w: table %s cannot be read back after %d rows: %v; remedy: %s", warehouse.ErrCorrupt, name, n, err, VerifyRemedy)
		}
		v.Tables++
		v.Rows += n
	}
	return v, nil
}

// tableNames lists the base tables of wh's current schema.
func tableNames(ctx context.Context, wh warehouse.Warehouse) ([]string, error) {
	const q = "SELECT table_name FROM information_schema.tables WHERE table_schema = CURRENT_SCHEMA() AND table_type = 'BASE TABLE' ORDER BY table_name"
	rows, err := wh.Query(ctx, q)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pipeline: verify: %w: the catalogue cannot be read: %v; remedy: %s", warehouse.ErrCorrupt, err, VerifyRemedy)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("pipeline: verify: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pipeline: verify: %w: the catalogue cannot be read: %v; remedy: %s", warehouse.ErrCorrupt, err, VerifyRemedy)
	}
	return names, nil
}

// readTable reads every value of a table and returns its rows.
func readTable(ctx context.Context, wh warehouse.Warehouse, name string) (int64, error) {
	if err := warehouse.ValidIdent(name); err != nil {
		return 0, err
	}
	rows, err := wh.Query(ctx, `SELECT * FROM "`+name+`"`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// verify is the run's StageVerify.
func (r *runner) verify(ctx context.Context) error {
	v, err := Verify(ctx, r.wh)
	r.res.Verified = v
	return err
}
