package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// data is what one page shows: a report's summary and, in live mode, what
// the warehouse adds to it.
type data struct {
	mode   string
	source string
	// notice says why live mode failed, when it did.
	notice string
	sum    *summary

	// Live mode only.
	w       warehouse.Warehouse
	release func()
	labels  bool // the labels table exists
	extras  *extras
	// history holds each test's and monitor's latest runs (live mode,
	// or a figures file).
	history histories
}

func (d *data) close() {
	if d.release != nil {
		d.release()
	}
}

// extras are the figures the report does not hold, read from the warehouse
// over the request's date range.
type extras struct {
	// Days come from mart_daily_revenue (nil when it does not exist).
	Days []dayRow
	// Flags and Kinds count rows and sum their revenue per flag and per
	// kind (a row with any of the kind's flags).
	Flags map[string]stat
	Kinds map[chaos.Kind]stat
	// KindDays counts the rows of each kind per batch day.
	KindDays []kindDay
	// Statuses counts the orders per status value.
	Statuses []statusRow
}

// stat counts rows and sums their revenue.
type stat struct {
	Rows    int64
	Revenue quality.Money
}

// kindDay counts a day's rows per kind, in chaos.Kinds order.
type kindDay struct {
	Day    string
	Counts []int64
}

// statusRow is one status value's orders.
type statusRow struct {
	Status  string
	Null    bool
	Dirty   bool
	Orders  int64
	Revenue quality.Money
}

// cents renders a SUM of a DECIMAL amount as BIGINT cents, 0 when empty,
// as package quality does.
func cents(expr string) string {
	return "CAST(ROUND(COALESCE(" + expr + ", 0) * 100) AS BIGINT)"
}

// countIf renders a portable conditional count.
func countIf(cond string) string {
	return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)"
}

// kindCond renders the condition "a row has one of the kind's flags".
func kindCond(k chaos.Kind) string {
	return "(" + strings.Join(quality.KindFlags[k], " OR ") + ")"
}

// rangeWhere renders the batch_date filter of q, with its arguments.
func rangeWhere(q query, col string) (string, []any) {
	var conds []string
	var args []any
	if q.From != "" {
		conds = append(conds, col+" >= CAST(? AS DATE)")
		args = append(args, q.From)
	}
	if q.To != "" {
		conds = append(conds, col+" <= CAST(? AS DATE)")
		args = append(args, q.To)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// live reads the warehouse.
func (h *Handler) live(ctx context.Context, q query, withExtras bool) (_ *data, err error) {
	w, release, err := h.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening the warehouse: %w", err)
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	ok, err := w.TableExists(ctx, "fct_orders")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("the warehouse has no fct_orders table: run the pipeline first (go run ./examples/full)")
	}
	rep, trusted, err := h.liveReport(ctx, w)
	if err != nil {
		return nil, err
	}
	d := &data{mode: ModeLive, source: "warehouse (" + w.Dialect().Name() + ")", sum: fromReport(rep, trusted), w: w, release: release}
	if d.labels, err = w.TableExists(ctx, h.o.LabelsTable); err != nil {
		return nil, err
	}
	if withExtras {
		if d.extras, err = h.readExtras(ctx, w, q); err != nil {
			return nil, err
		}
		if d.history, err = readHistory(ctx, w, h.o.HistoryTable); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// liveReport returns the report of the warehouse's current content:
// Options.Report when set, else one computed with quality.NewReporter and
// kept until the warehouse changes. trusted is always true: the SQL of its
// tests comes from the caller.
func (h *Handler) liveReport(ctx context.Context, w warehouse.Warehouse) (*quality.Report, bool, error) {
	if h.o.Report != nil {
		return h.o.Report, true, nil
	}
	key, err := h.fingerprint(ctx, w)
	if err != nil {
		return nil, false, err
	}
	h.repMu.Lock()
	defer h.repMu.Unlock()
	if h.rep != nil && h.repKey == key {
		return h.rep, true, nil
	}
	hist := quality.History{Table: h.o.HistoryTable}
	var recorded []quality.MonitorResult
	if ok, err := w.TableExists(ctx, h.o.HistoryTable); err != nil {
		return nil, false, err
	} else if ok {
		runID, err := latestRun(ctx, w, h.o.HistoryTable)
		if err != nil {
			return nil, false, fmt.Errorf("results history: %w", err)
		}
		if runID != "" {
			recs, err := hist.Records(ctx, w, runID)
			if err != nil {
				return nil, false, err
			}
			recorded = monitorsFromHistory(recs)
		}
	}
	// A monitor run here is newer than the one the history recorded.
	recorded = slices.DeleteFunc(recorded, func(m quality.MonitorResult) bool {
		return slices.ContainsFunc(h.o.Monitors, func(o quality.Monitor) bool { return o.Name() == m.Name })
	})
	r, err := quality.NewReporter(&quality.Options{
		Clock: h.o.Clock, Tests: h.o.Tests, Monitors: h.o.Monitors, MonitorResults: recorded,
		LabelsTable: h.o.LabelsTable, History: &hist,
	})
	if err != nil {
		return nil, false, err
	}
	rep, err := r.Report(ctx, w)
	if err != nil {
		return nil, false, err
	}
	h.rep, h.repKey = rep, key
	return rep, true, nil
}

// fingerprint identifies the warehouse's content cheaply: the computed
// report is kept while it does not change.
func (h *Handler) fingerprint(ctx context.Context, w warehouse.Warehouse) (string, error) {
	var orders, flagged, raw int64
	var last string
	q := "SELECT COUNT(*), " + countIf("is_flagged") + ", " + cents("SUM(total_amount)") +
		", COALESCE(CAST(MAX(batch_date) AS VARCHAR), '') FROM fct_orders"
	if err := scanRow(ctx, w, q, nil, &orders, &flagged, &raw, &last); err != nil {
		return "", fmt.Errorf("reading fct_orders: %w", err)
	}
	key := fmt.Sprintf("%d/%d/%d/%s", orders, flagged, raw, last)
	for _, t := range []struct{ table, q string }{
		{warehouse.LedgerTable, "SELECT COUNT(*), '' FROM " + warehouse.LedgerTable},
		{h.o.HistoryTable, "SELECT COUNT(*), COALESCE(MAX(run_id), '') FROM " + h.o.HistoryTable},
	} {
		ok, err := w.TableExists(ctx, t.table)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		var n int64
		var s string
		if err := scanRow(ctx, w, t.q, nil, &n, &s); err != nil {
			return "", fmt.Errorf("reading %s: %w", t.table, err)
		}
		key += fmt.Sprintf("/%s=%d,%s", t.table, n, s)
	}
	if h.o.Clock != nil {
		// Recency tests depend on the day.
		key += "/" + h.o.Clock.Now().UTC().Format(edqm.DateLayout)
	}
	return key, nil
}

// latestRun returns the id of the history's latest run, "" when empty.
func latestRun(ctx context.Context, w warehouse.Warehouse, table string) (string, error) {
	rows, err := w.Query(ctx, "SELECT run_id FROM "+table+" ORDER BY run_at DESC, run_id DESC LIMIT 1")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if !rows.Next() {
		return "", rows.Err()
	}
	var id sql.NullString
	if err := rows.Scan(&id); err != nil {
		return "", err
	}
	return id.String, rows.Close()
}

// readExtras reads what the report lacks, over q's date range.
func (h *Handler) readExtras(ctx context.Context, w warehouse.Warehouse, q query) (*extras, error) {
	ex := &extras{Flags: map[string]stat{}, Kinds: map[chaos.Kind]stat{}}
	where, args := rangeWhere(q, "batch_date")
	if err := readFlagStats(ctx, w, where, args, ex); err != nil {
		return nil, err
	}
	if err := readKindDays(ctx, w, where, args, ex); err != nil {
		return nil, err
	}
	if err := readStatuses(ctx, w, where, args, ex); err != nil {
		return nil, err
	}
	if err := readMartDays(ctx, w, where, args, ex); err != nil {
		return nil, err
	}
	return ex, nil
}

// readFlagStats fills ex's rows and revenue per flag and per kind.
func readFlagStats(ctx context.Context, w warehouse.Warehouse, where string, args []any, ex *extras) error {
	var cols []string
	for _, f := range quality.Flags {
		cols = append(cols, countIf(f), cents("SUM(CASE WHEN "+f+" THEN total_amount END)"))
	}
	for _, k := range chaos.Kinds {
		cols = append(cols, countIf(kindCond(k)), cents("SUM(CASE WHEN "+kindCond(k)+" THEN total_amount END)"))
	}
	vals := make([]int64, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := scanRow(ctx, w, "SELECT "+strings.Join(cols, ", ")+" FROM fct_orders"+where, args, dest...); err != nil {
		return fmt.Errorf("counting flags: %w", err)
	}
	for i, f := range quality.Flags {
		ex.Flags[f] = stat{Rows: vals[2*i], Revenue: quality.Money(vals[2*i+1])}
	}
	off := 2 * len(quality.Flags)
	for i, k := range chaos.Kinds {
		ex.Kinds[k] = stat{Rows: vals[off+2*i], Revenue: quality.Money(vals[off+2*i+1])}
	}
	return nil
}

// readKindDays fills ex's rows per kind per day.
func readKindDays(ctx context.Context, w warehouse.Warehouse, where string, args []any, ex *extras) error {
	var cols []string
	for _, k := range chaos.Kinds {
		cols = append(cols, countIf(kindCond(k)))
	}
	err := eachRow(ctx, w, "SELECT COALESCE(CAST(batch_date AS VARCHAR), ''), "+strings.Join(cols, ", ")+
		" FROM fct_orders"+where+" GROUP BY batch_date ORDER BY batch_date", args, func(rows *sql.Rows) error {
		kd := kindDay{Counts: make([]int64, len(chaos.Kinds))}
		dest := []any{&kd.Day}
		for i := range kd.Counts {
			dest = append(dest, &kd.Counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		ex.KindDays = append(ex.KindDays, kd)
		return nil
	})
	if err != nil {
		return fmt.Errorf("counting kinds per day: %w", err)
	}
	return nil
}

// readStatuses fills ex's orders per status.
func readStatuses(ctx context.Context, w warehouse.Warehouse, where string, args []any, ex *extras) error {
	err := eachRow(ctx, w, "SELECT status, CASE WHEN has_bad_status THEN 1 ELSE 0 END, COUNT(*), "+cents("SUM(total_amount)")+
		" FROM fct_orders"+where+" GROUP BY status, has_bad_status ORDER BY 3 DESC, 1", args, func(rows *sql.Rows) error {
		var s sql.NullString
		var r statusRow
		var dirty int64
		if err := rows.Scan(&s, &dirty, &r.Orders, &r.Revenue); err != nil {
			return err
		}
		r.Status, r.Null, r.Dirty = s.String, !s.Valid, dirty == 1
		ex.Statuses = append(ex.Statuses, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("counting statuses: %w", err)
	}
	return nil
}

// readMartDays fills ex.Days from the daily mart, the business's own
// table, when it exists.
func readMartDays(ctx context.Context, w warehouse.Warehouse, where string, args []any, ex *extras) error {
	ok, err := w.TableExists(ctx, "mart_daily_revenue")
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	ex.Days = []dayRow{}
	err = eachRow(ctx, w, "SELECT COALESCE(CAST(batch_date AS VARCHAR), ''), CAST(orders AS BIGINT), CAST(flagged_orders AS BIGINT), "+
		cents("raw_revenue")+", "+cents("clean_revenue")+" FROM mart_daily_revenue"+where+" ORDER BY batch_date", args,
		func(rows *sql.Rows) error {
			var d dayRow
			if err := rows.Scan(&d.Day, &d.Orders, &d.Flagged, &d.Raw, &d.Clean); err != nil {
				return err
			}
			d.Risk = d.Raw - d.Clean
			ex.Days = append(ex.Days, d)
			return nil
		})
	if err != nil {
		return fmt.Errorf("reading mart_daily_revenue: %w", err)
	}
	return nil
}

// scanRow runs q and scans its single row into dest.
func scanRow(ctx context.Context, w warehouse.Warehouse, q string, args []any, dest ...any) error {
	return warehouse.QueryRow(ctx, w, q, args, dest...)
}

// eachRow runs q and calls fn for each row.
func eachRow(ctx context.Context, w warehouse.Warehouse, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := w.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// cellText renders a driver value for a table cell; null is true for NULL.
func cellText(v any) (text string, null bool) {
	switch x := v.(type) {
	case nil:
		return "NULL", true
	case string:
		return x, false
	case []byte:
		return string(x), false
	case bool:
		if x {
			return "true", false
		}
		return "false", false
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x), false
		}
		return trimFloat(x), false
	case float32:
		return trimFloat(float64(x)), false
	case time.Time:
		if x.Equal(edqm.Day(x)) {
			return x.Format(edqm.DateLayout), false
		}
		return x.UTC().Format("2006-01-02 15:04:05"), false
	case fmt.Stringer:
		return x.String(), false
	}
	return fmt.Sprint(v), false
}

// trimFloat formats a float without trailing zeros, at most 6 decimals.
func trimFloat(x float64) string {
	s := fmt.Sprintf("%.6f", x)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
