package dashboard

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// writeDrillCSV writes the rows of a drill-down page as CSV: the columns
// shown, then the flags and the chaos labels when the page shows them.
// Values are whole (not shortened as on the page); NULL is an empty field.
func writeDrillCSV(w io.Writer, dr *drill) error {
	cw := csv.NewWriter(w)
	head := append([]string{}, dr.Columns...)
	if dr.FlagsHeader != "" {
		head = append(head, strings.ReplaceAll(dr.FlagsHeader, " ", "_"))
	}
	if dr.Labelled {
		head = append(head, "chaos_labels")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range dr.Rows {
		rec := make([]string, 0, len(head))
		for _, c := range r.Cells {
			switch {
			case c.Null:
				rec = append(rec, "")
			case c.Full != "":
				rec = append(rec, c.Full)
			default:
				rec = append(rec, c.Text)
			}
		}
		if dr.FlagsHeader != "" {
			rec = append(rec, strings.Join(r.Flags, " "))
		}
		if dr.Labelled {
			rec = append(rec, strings.Join(r.Labels, "; "))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvName names a drill-down page's CSV file.
func csvName(dr *drill) string {
	return "edqm-" + dr.What + "-" + dr.Name + "-page-" + strconv.Itoa(dr.Page) + ".csv"
}

// csvDataURL returns a drill-down page's CSV as a data: URL, for the
// static report (which has no server to ask).
func csvDataURL(dr *drill) (template.URL, error) {
	var buf bytes.Buffer
	if err := writeDrillCSV(&buf, dr); err != nil {
		return "", err
	}
	// The bytes are CSV of our own making, encoded: safe as a link.
	return template.URL("data:text/csv;charset=utf-8;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// serveCSV answers /rows.csv: the rows of the drill-down that the same
// query shows on the page (its flag or test, date range and page).
func (h *Handler) serveCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := parseRawQuery(r.URL.RawQuery)
	if err == nil && q.Flag == "" && q.Test == "" {
		err = badParam("flag", "rows.csv exports a drill-down: give flag or test")
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	d, err := h.load(ctx, q, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	defer d.close()
	dr, err := h.pageDrill(ctx, d, q)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := writeDrillCSV(&buf, dr); err != nil {
		h.writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+csvName(dr)+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
