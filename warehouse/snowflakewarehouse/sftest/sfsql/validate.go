package sfsql

import (
	"fmt"
	"strings"
)

// validateColumns are VALIDATE's columns and their DuckDB types
// (https://docs.snowflake.com/en/sql-reference/functions/validate).
var validateColumns = []struct{ name, typ string }{
	{"ERROR", "VARCHAR"}, {"FILE", "VARCHAR"}, {"LINE", "BIGINT"}, {"CHARACTER", "BIGINT"},
	{"BYTE_OFFSET", "BIGINT"}, {"CATEGORY", "VARCHAR"}, {"CODE", "BIGINT"}, {"SQL_STATE", "VARCHAR"},
	{"COLUMN_NAME", "VARCHAR"}, {"ROW_NUMBER", "BIGINT"}, {"ROW_START_LINE", "BIGINT"}, {"REJECTED_RECORD", "VARCHAR"},
}

// validateTable replaces TABLE(VALIDATE(table, JOB_ID => 'id')) with a
// subquery of the job's rejected rows. JOB_ID => '_last' is the session's
// last COPY… here the last statement (assumed).
func (r *rewriter) validateTable(toks []token) ([]token, error) {
	var out []token
	for i := 0; i < len(toks); i++ {
		if !(toks[i].is("TABLE") && i+3 < len(toks) && toks[i+1].isPunct("(") && toks[i+2].is("VALIDATE") && toks[i+3].isPunct("(")) {
			out = append(out, toks[i])
			continue
		}
		end := closing(toks, i+1)
		if end < 0 {
			return nil, unexpected(r.st.sql, toks[i])
		}
		sub, err := r.validateRows(toks[i+4 : closing(toks, i+3)])
		if err != nil {
			return nil, err
		}
		out = append(out, raw(sub, toks[i].pos))
		i = end
	}
	return out, nil
}

// validateRows renders the job's rejected rows as a subquery.
func (r *rewriter) validateRows(args []token) (string, error) {
	parts := splitArgs(args)
	if len(parts) != 2 || len(parts[1]) != 3 || !parts[1][0].is("JOB_ID") || !parts[1][1].isPunct("=>") {
		return "", compileError(codeSyntax, "42000", "VALIDATE takes (table, JOB_ID => 'id')")
	}
	p := &parser{st: &stmt{sql: r.st.sql, sig: parts[0]}}
	name, err := p.objectName()
	if err != nil {
		return "", err
	}
	table := r.s.qualifyParts(name)
	id := parts[1][2].text
	if id == "_last" {
		id = r.s.lastQueryID
	}
	e := r.s.e
	e.mu.Lock()
	job, ok := e.jobs[id]
	hidden := ok && !job.committed && job.session != r.s && !e.opts.ValidateHidesUncommitted ||
		ok && !job.committed && e.opts.ValidateHidesUncommitted
	e.mu.Unlock()
	if !ok || hidden || job.table != table {
		return "", execError(2, "22023", "Invalid argument [Invalid Job UUID provided.] (job '%s' is no COPY into %s)", id, table)
	}
	return rejectsSQL(job.rejects), nil
}

// rejectsSQL is a subquery with VALIDATE's columns and one row per
// rejected record.
func rejectsSQL(rejects []rejected) string {
	cols := make([]string, len(validateColumns))
	for i, c := range validateColumns {
		cols[i] = "CAST(NULL AS " + c.typ + ") AS " + quoteIdent(c.name)
	}
	var b strings.Builder
	b.WriteString("(SELECT " + strings.Join(cols, ", ") + " WHERE FALSE")
	for _, rj := range rejects {
		fmt.Fprintf(&b, " UNION ALL SELECT %s, %s, %d, %d, %d, %s, %d, %s, %s, %d, %d, %s",
			quoteLiteral(rj.err), quoteLiteral(rj.file), rj.line, rj.char, rj.byteOffset, quoteLiteral(rj.category),
			rj.code, quoteLiteral(rj.sqlState), quoteLiteral(rj.column), rj.rowNumber, rj.rowStart, quoteLiteral(rj.record))
	}
	b.WriteString(")")
	return b.String()
}
