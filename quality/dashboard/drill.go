package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

// drill is one page of a drill-down: the failing rows of a flag or a test.
type drill struct {
	// What is "flag" or "test"; Name the flag's or the test's name.
	What, Name string
	Kind       chaos.Kind
	// Total is the number of failing rows; Page (from 1) and Pages page
	// through them, First and Last number the rows shown (from 1).
	Total       int64
	Page, Pages int
	First, Last int64
	Columns     []string
	Rows        []drillRow
	// Labelled is true when the chaos labels were looked up.
	Labelled bool
	// FlagsHeader heads the column of each row's quality flags ("" when
	// the rows have none to show).
	FlagsHeader string
	// Note explains what is shown when it is not every row.
	Note string
	// SQL is the query behind the rows: the flag's, or the test's.
	SQL string
}

// drillRow is one failing row.
type drillRow struct {
	Key, Occurrence string
	Cells           []cell
	// Flags are the row's other flags (flag drill-downs).
	Flags []string
	// Labels describe the chaos labels of the row.
	Labels []string
}

// cell is one value.
type cell struct {
	// Text is shown; Full, when set, is the whole value that Text shortens.
	Text, Full string
	Null       bool
	// Hot marks the columns the flag or test looks at.
	Hot bool
}

// flagColumns are the columns shown for flag drill-downs, read from
// fct_orders.
var flagColumns = []string{"order_id", "occurrence", "batch_date", "order_date", "signup_date", "customer_id", "product_id",
	"quantity", "unit_price", "total_amount", "status"}

// hotColumns are the columns each flag looks at.
var hotColumns = map[string][]string{
	"has_math_error":      {"quantity", "unit_price", "total_amount"},
	"is_future_order":     {"order_date", "batch_date"},
	"is_before_signup":    {"order_date", "signup_date"},
	"is_orphan_order":     {"customer_id", "product_id"},
	"has_negative_amount": {"total_amount"},
	"has_bad_amount":      {"total_amount"},
	"has_bad_status":      {"status"},
	"has_bad_quantity":    {"quantity"},
	"has_bad_date":        {"order_date"},
	"is_duplicate":        {"order_id", "occurrence"},
}

// flagKind returns the chaos kind a flag belongs to.
func flagKind(flag string) chaos.Kind {
	for _, k := range chaos.Kinds {
		if slices.Contains(quality.KindFlags[k], flag) {
			return k
		}
	}
	return ""
}

// pages returns the number of pages of total rows.
func pages(total int64, size int) int {
	if total <= 0 {
		return 1
	}
	return int((total + int64(size) - 1) / int64(size))
}

// checkPage refuses a page past the last.
func checkPage(page, n int) error {
	if page > n {
		return &httpError{http.StatusNotFound, fmt.Sprintf("page %d does not exist: this drill-down has %d page(s)", page, n)}
	}
	return nil
}

// flagDrill reads one page of a flag's rows.
func (h *Handler) flagDrill(ctx context.Context, d *data, q query, flag string, page int) (*drill, error) {
	dr := &drill{What: "flag", Name: flag, Kind: flagKind(flag), Page: page, Columns: flagColumns, FlagsHeader: "other flags",
		SQL: "SELECT " + strings.Join(flagColumns, ", ") + "\nFROM fct_orders\nWHERE " + flag + "\nORDER BY batch_date, order_id, occurrence"}
	if d.w == nil {
		dr.Note = "A snapshot holds counts, not rows: serve the dashboard with a warehouse (live mode) to see this flag's rows."
		dr.Pages = 1
		if dr.Total = d.sum.FlagRows[flag]; dr.Total == 0 {
			dr.Note = ""
		}
		return dr, checkPage(page, 1)
	}
	where, args := rangeWhere(q, "batch_date")
	if where == "" {
		where = " WHERE " + flag
	} else {
		where += " AND " + flag
	}
	if err := scanRow(ctx, d.w, "SELECT COUNT(*) FROM fct_orders"+where, args, &dr.Total); err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", flag, err)
	}
	dr.Pages = pages(dr.Total, h.o.PageSize)
	if err := checkPage(page, dr.Pages); err != nil {
		return nil, err
	}
	sel := make([]string, 0, len(flagColumns)+len(quality.Flags))
	for _, c := range flagColumns {
		sel = append(sel, "CAST("+c+" AS VARCHAR)")
	}
	sel = append(sel, quality.Flags...)
	offset := int64(page-1) * int64(h.o.PageSize)
	qs := "SELECT " + strings.Join(sel, ", ") + " FROM fct_orders" + where +
		" ORDER BY batch_date, order_id, occurrence LIMIT " + strconv.Itoa(h.o.PageSize) + " OFFSET " + strconv.FormatInt(offset, 10)
	hot := hotColumns[flag]
	err := eachRow(ctx, d.w, qs, args, func(rows *sql.Rows) error {
		strs := make([]sql.NullString, len(flagColumns))
		flags := make([]sql.NullBool, len(quality.Flags))
		dest := make([]any, 0, len(strs)+len(flags))
		for i := range strs {
			dest = append(dest, &strs[i])
		}
		for i := range flags {
			dest = append(dest, &flags[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		var r drillRow
		for i, s := range strs {
			c := cell{Text: s.String, Hot: slices.Contains(hot, flagColumns[i])}
			if !s.Valid {
				c.Text, c.Null = "NULL", true
			}
			r.Cells = append(r.Cells, shorten(c))
		}
		r.Key, r.Occurrence = strs[0].String, strs[1].String
		for i, f := range flags {
			if f.Bool && quality.Flags[i] != flag {
				r.Flags = append(r.Flags, quality.Flags[i])
			}
		}
		dr.Rows = append(dr.Rows, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", flag, err)
	}
	dr.First, dr.Last = offset+1, offset+int64(len(dr.Rows))
	if err := h.attachLabels(ctx, d, dr, true); err != nil {
		return nil, err
	}
	return dr, nil
}

// testDrill reads one page of a test's failing rows: by re-running its
// query in live mode (only a trusted query), else from its kept sample.
func (h *Handler) testDrill(ctx context.Context, d *data, t testRow, page int) (*drill, error) {
	dr := &drill{What: "test", Name: t.Name, Kind: t.Kind, Page: page, Total: t.Failures, SQL: t.SQL}
	if d.w == nil || !t.trusted || t.SQL == "" {
		return sampleDrill(dr, t, page)
	}
	src := "(" + strings.TrimRight(strings.TrimSpace(t.SQL), ";") + ") AS failing"
	if err := scanRow(ctx, d.w, "SELECT COUNT(*) FROM "+src, nil, &dr.Total); err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", t.Name, err)
	}
	dr.Pages = pages(dr.Total, h.o.PageSize)
	if err := checkPage(page, dr.Pages); err != nil {
		return nil, err
	}
	rows, err := d.w.Query(ctx, "SELECT * FROM "+src+" WHERE 1 = 0")
	if err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", t.Name, err)
	}
	dr.Columns, err = rows.Columns()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", t.Name, err)
	}
	keyCol, occCol := -1, -1
	for i, c := range dr.Columns {
		switch strings.ToLower(c) {
		case "order_id":
			keyCol = i
		case "occurrence":
			occCol = i
		}
	}
	offset := int64(page-1) * int64(h.o.PageSize)
	if err := h.readTestPage(ctx, d, dr, src, offset, t.Column, keyCol, occCol); err != nil {
		return nil, fmt.Errorf("drill-down %s: %w", t.Name, err)
	}
	dr.First, dr.Last = offset+1, offset+int64(len(dr.Rows))
	if len(dr.Rows) == 0 {
		dr.First = 0
	}
	compactColumns(dr, t.Column)
	if keyCol >= 0 {
		if err := h.attachLabels(ctx, d, dr, occCol >= 0); err != nil {
			return nil, err
		}
	}
	return dr, nil
}

// sampleDrill fills dr, the only page of a test's drill-down, from the
// test's kept sample (when it has one).
func sampleDrill(dr *drill, t testRow, page int) (*drill, error) {
	dr.Pages = 1
	if err := checkPage(page, 1); err != nil {
		return nil, err
	}
	if t.Sample != nil {
		dr.Columns = t.Sample.Columns
		for _, row := range t.Sample.Rows {
			var r drillRow
			for i, v := range row {
				txt, null := cellText(v)
				c := cell{Text: txt, Null: null}
				if i < len(dr.Columns) {
					c.Hot = dr.Columns[i] == t.Column
					switch {
					case dr.Columns[i] == "order_id" && !null:
						r.Key = txt
					case dr.Columns[i] == "occurrence":
						r.Occurrence = txt
					}
				}
				r.Cells = append(r.Cells, shorten(c))
			}
			dr.Rows = append(dr.Rows, r)
		}
	}
	dr.First, dr.Last = min(1, int64(len(dr.Rows))), int64(len(dr.Rows))
	compactColumns(dr, t.Column)
	if int64(len(dr.Rows)) < t.Failures {
		dr.Note = fmt.Sprintf("The report keeps a sample of %s of the %s failing rows; live mode (a warehouse) pages through all of them.",
			quality.FormatCount(int64(len(dr.Rows))), quality.FormatCount(t.Failures))
	}
	return dr, nil
}

// readTestPage appends to dr.Rows the page of the failing rows in src that
// starts at offset, ordered by all its columns; hot is the test's column,
// keyCol and occCol the columns of the order key and occurrence (or -1).
func (h *Handler) readTestPage(ctx context.Context, d *data, dr *drill, src string, offset int64, hot string, keyCol, occCol int) error {
	order := make([]string, len(dr.Columns))
	for i := range order {
		order[i] = strconv.Itoa(i + 1)
	}
	qs := "SELECT * FROM " + src + " ORDER BY " + strings.Join(order, ", ") +
		" LIMIT " + strconv.Itoa(h.o.PageSize) + " OFFSET " + strconv.FormatInt(offset, 10)
	return eachRow(ctx, d.w, qs, nil, func(rows *sql.Rows) error {
		vals := make([]any, len(dr.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		var r drillRow
		for i, v := range vals {
			txt, null := cellText(v)
			if i == keyCol && !null {
				r.Key = txt
			}
			if i == occCol {
				r.Occurrence = txt
			}
			r.Cells = append(r.Cells, shorten(cell{Text: txt, Null: null, Hot: strings.EqualFold(dr.Columns[i], hot)}))
		}
		dr.Rows = append(dr.Rows, r)
		return nil
	})
}

// attachLabels looks up the chaos labels of the rows' keys (and
// occurrences, when byOccurrence).
func (h *Handler) attachLabels(ctx context.Context, d *data, dr *drill, byOccurrence bool) error {
	if !d.labels {
		return nil
	}
	dr.Labelled = true
	var keys []any
	seen := map[string]bool{}
	for _, r := range dr.Rows {
		if r.Key != "" && !seen[r.Key] {
			seen[r.Key] = true
			keys = append(keys, r.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	type lkey struct{ key, occ string }
	found := map[lkey][]string{}
	q := "SELECT key, COALESCE(occurrence, ''), COALESCE(kind, ''), COALESCE(variant, ''), COALESCE(column_name, ''), original, injected FROM " +
		h.o.LabelsTable + " WHERE table_name = 'orders' AND key IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") +
		") ORDER BY key, occurrence, kind, variant, column_name"
	err := eachRow(ctx, d.w, q, keys, func(rows *sql.Rows) error {
		var k, occ, kind, variant, col string
		var orig, inj sql.NullString
		if err := rows.Scan(&k, &occ, &kind, &variant, &col, &orig, &inj); err != nil {
			return err
		}
		text := kind + " · " + variant
		if col != "" && col != "*" {
			text += " · " + col + ": " + nullText(orig) + " → " + nullText(inj)
		}
		if !byOccurrence {
			occ = ""
		}
		found[lkey{k, occ}] = append(found[lkey{k, occ}], text)
		return nil
	})
	if err != nil {
		return fmt.Errorf("chaos labels: %w", err)
	}
	for i := range dr.Rows {
		occ := dr.Rows[i].Occurrence
		if !byOccurrence {
			occ = ""
		}
		dr.Rows[i].Labels = mergeLabels(found[lkey{dr.Rows[i].Key, occ}])
	}
	return nil
}

// mergeLabels drops a label that another one details ("duplication ·
// conflicting" beside "duplication · conflicting · status: A → B") and
// repeats.
func mergeLabels(labels []string) []string {
	var out []string
	for i, l := range labels {
		covered := slices.Contains(labels[:i], l)
		for _, o := range labels {
			covered = covered || strings.HasPrefix(o, l+" · ")
		}
		if !covered {
			out = append(out, l)
		}
	}
	return out
}

func nullText(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// shorten shortens long values for the table, keeping them whole in
// the cell's title: a UUID to its first 8 characters.
func shorten(c cell) cell {
	r := []rune(c.Text)
	switch {
	case len(r) == 36 && r[8] == '-' && r[13] == '-':
		c.Full, c.Text = c.Text, string(r[:8])+"…"
	case len(r) > 40:
		c.Full, c.Text = c.Text, string(r[:38])+"…"
	}
	return c
}

// leadColumns come first in a test's drill-down, in this order, after the
// test's own column.
var leadColumns = []string{"order_id", "occurrence", "batch_date", "status", "total_amount", "quantity", "unit_price",
	"order_date", "signup_date", "customer_id", "product_id"}

// maxTestColumns bounds the columns a test's drill-down shows, so that the
// row fits a 1400 px window with its flags and labels.
const maxTestColumns = 11

// compactColumns makes a test's rows readable: the key, the test's column
// (hot) and the order's main columns first; the boolean flag columns
// folded into one "flags" column listing those that are true; raw and
// internal columns (raw_*, _*) and any beyond maxTestColumns left out,
// which the note says.
func compactColumns(dr *drill, hot string) {
	isFlag := func(c string) bool { return c == "is_flagged" || slices.Contains(quality.Flags, c) }
	var order []int
	pick := func(name string) {
		for i, c := range dr.Columns {
			if strings.EqualFold(c, name) && !slices.Contains(order, i) {
				order = append(order, i)
			}
		}
	}
	for _, c := range leadColumns[:3] {
		pick(c)
	}
	if hot != "" {
		pick(hot)
	}
	for _, c := range leadColumns[3:] {
		pick(c)
	}
	left := 0
	for i, c := range dr.Columns {
		lc := strings.ToLower(c)
		switch {
		case slices.Contains(order, i), isFlag(lc):
		case strings.HasPrefix(lc, "raw_"), strings.HasPrefix(lc, "_"), len(order) >= maxTestColumns:
			left++
		default:
			order = append(order, i)
		}
	}
	hasFlags := slices.ContainsFunc(dr.Columns, func(c string) bool { return isFlag(strings.ToLower(c)) })
	if len(order) == len(dr.Columns) && !hasFlags {
		return
	}
	cols := make([]string, len(order))
	for j, i := range order {
		cols[j] = dr.Columns[i]
	}
	for r := range dr.Rows {
		row := &dr.Rows[r]
		cells := make([]cell, len(order))
		for j, i := range order {
			if i < len(row.Cells) {
				cells[j] = row.Cells[i]
			}
		}
		for i, c := range dr.Columns {
			lc := strings.ToLower(c)
			if lc != "is_flagged" && isFlag(lc) && i < len(row.Cells) && row.Cells[i].Text == "true" {
				row.Flags = append(row.Flags, lc)
			}
		}
		row.Cells = cells
	}
	dr.Columns = cols
	if hasFlags {
		dr.FlagsHeader = "flags"
	}
	if left > 0 {
		note := fmt.Sprintf("%d more columns of the query (raw and internal ones) are left out here and in the CSV; the SQL below has them all.", left)
		dr.Note = strings.TrimSpace(dr.Note + " " + note)
	}
}

// shortHeaders are the drill-down's narrower column headings (the full
// name is the heading's title and the CSV's header).
var shortHeaders = map[string]string{
	"occurrence": "occ.", "batch_date": "batch day", "total_amount": "total", "unit_price": "price",
	"order_date": "ordered", "signup_date": "signed up", "customer_id": "customer", "product_id": "product", "quantity": "qty",
}

// heading returns a column's heading in a drill-down.
func heading(col string) string {
	if h, ok := shortHeaders[strings.ToLower(col)]; ok {
		return h
	}
	return col
}
