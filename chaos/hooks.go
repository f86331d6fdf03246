package chaos

import (
	"context"
	"time"

	"github.com/edqm/edqm/chaos/internal/cells"
)

// The hooks through which chaos/chaosarrow drives the injector's engine.
func init() {
	cells.Check = func(spec any, table string, names []string, lookup cells.Lookup) error {
		_, err := newLayout(spec.(TableSpec), table, 0, names, lookup)
		return err
	}
	cells.Inject = func(ctx context.Context, j any, day time.Time, spec any, table string, n int, names []string, lookup cells.Lookup) (*cells.Plan, error) {
		l, err := newLayout(spec.(TableSpec), table, n, names, lookup)
		if err != nil {
			return nil, err
		}
		e, err := j.(*Injector).run(ctx, l, day)
		if err != nil {
			return nil, err
		}
		return &cells.Plan{Key: l.key, Cols: l.cols, Edits: e.edits, Dups: e.dups, Labels: e.labels, Release: e.release}, nil
	}
}
