package sfsql

import (
	"context"
	"fmt"
	"strings"
)

// handlerFunc runs one kind of statement.
type handlerFunc func(s *Session, ctx context.Context, st *stmt) (*Result, error)

// handlers are the statements emulated in Go, by their leading keywords
// (CREATE's OR REPLACE, TEMPORARY and similar modifiers removed). Anything
// else is translated to DuckDB by [Session.sqlStatement].
var handlers = []struct {
	lead string
	fn   handlerFunc
}{
	{"PUT", (*Session).put},
	{"LIST", (*Session).list},
	{"LS", (*Session).list},
	{"REMOVE", (*Session).remove},
	{"RM", (*Session).remove},
	{"COPY INTO", (*Session).copyInto},
	{"CREATE FILE FORMAT", (*Session).createFileFormat},
	{"CREATE STAGE", (*Session).createStage},
	{"DROP FILE FORMAT", (*Session).dropFileFormat},
	{"DROP STAGE", (*Session).dropStage},
	{"CREATE DATABASE", (*Session).createDatabase},
	{"CREATE SCHEMA", (*Session).createSchema},
	{"CREATE WAREHOUSE", accept},
	{"CREATE STORAGE INTEGRATION", accept},
	{"ALTER WAREHOUSE", accept},
	{"GRANT", accept},
	{"ALTER SESSION", (*Session).alterSession},
	{"USE", (*Session).useStatement},
	{"BEGIN", (*Session).begin},
	{"START TRANSACTION", (*Session).begin},
	{"COMMIT", (*Session).commit},
	{"ROLLBACK", (*Session).rollback},
}

// createModifiers are the words between CREATE and the object kind.
var createModifiers = map[string]bool{
	"OR": true, "REPLACE": true, "TEMPORARY": true, "TEMP": true, "TRANSIENT": true,
	"VOLATILE": true, "LOCAL": true, "GLOBAL": true,
}

// leadWords are the statement's first keywords, CREATE's modifiers left
// out.
func leadWords(sig []token) string {
	var words []string
	for i, t := range sig {
		if t.kind != tokWord || len(words) == 4 {
			break
		}
		if i > 0 && sig[0].is("CREATE") && createModifiers[t.text] {
			continue
		}
		words = append(words, t.text)
	}
	return strings.Join(words, " ")
}

// findHandler picks the handler of the statement.
func findHandler(sig []token) handlerFunc {
	lead := leadWords(sig) + " "
	for _, h := range handlers {
		if strings.HasPrefix(lead, h.lead+" ") {
			return h.fn
		}
	}
	return (*Session).sqlStatement
}

// statusResult is the one-row, one-column result of a statement that
// returns no rows ("status": "Statement executed successfully.").
func statusResult(msg string) *Result {
	return &Result{
		StatementTypeID: StatementDDL,
		Columns:         []Column{{Name: "status", Type: "text", Length: 16777216, Nullable: true}},
		Rows:            [][]*string{{&msg}},
	}
}

// accept runs account-level statements that have no effect in the test
// server (warehouses, storage integrations, grants).
func accept(*Session, context.Context, *stmt) (*Result, error) {
	return statusResult("Statement executed successfully."), nil
}

// alterSession keeps ALTER SESSION SET name = value parameters
// (https://docs.snowflake.com/en/sql-reference/sql/alter-session); they
// are recorded, not applied (assumed: the result encodings used here do
// not depend on them).
func (s *Session) alterSession(_ context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st, i: 2}
	set := p.word("SET")
	unset := !set && p.word("UNSET")
	if !set && !unset {
		return nil, p.unexpected()
	}
	for !p.done() {
		name := p.next()
		if unset {
			delete(s.params, name.text)
		} else {
			if !p.punct("=") {
				return nil, p.unexpected()
			}
			s.params[name.text] = p.next().text
		}
		p.punct(",")
	}
	return statusResult("Statement executed successfully."), nil
}

// useStatement runs USE [DATABASE|SCHEMA|WAREHOUSE|ROLE] name
// (https://docs.snowflake.com/en/sql-reference/sql/use).
func (s *Session) useStatement(ctx context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st, i: 1}
	kind := ""
	for _, k := range []string{"DATABASE", "SCHEMA", "WAREHOUSE", "ROLE", "SECONDARY"} {
		if kind == "" && p.word(k) {
			kind = k
		}
	}
	parts, err := p.objectName()
	if err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	switch {
	case kind == "WAREHOUSE":
		s.warehouse = last
	case kind == "ROLE" || kind == "SECONDARY":
		s.role = last
	case kind == "SCHEMA" && len(parts) == 1:
		err = s.useSchema(ctx, s.database, last)
	case len(parts) == 2:
		// USE SCHEMA db.schema, or USE db.schema without a kind.
		err = s.useSchema(ctx, parts[0], last)
	default:
		// USE DATABASE name, or USE name: a database.
		if !s.e.hasDatabase(last) {
			return nil, notExist("Database", last)
		}
		err = s.use(ctx, last, "PUBLIC")
	}
	if err != nil {
		return nil, err
	}
	return statusResult("Statement executed successfully."), nil
}

// useSchema makes an existing schema current.
func (s *Session) useSchema(ctx context.Context, db, schema string) error {
	if !s.e.hasDatabase(db) || !s.schemaExists(ctx, db, schema) {
		return notExist("Schema", db+"."+schema)
	}
	return s.use(ctx, db, schema)
}

// schemaExists tells whether db.schema exists.
func (s *Session) schemaExists(ctx context.Context, db, schema string) bool {
	var n int
	err := s.conn.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", db, schema).Scan(&n)
	return err == nil && n > 0
}

// createDatabase runs CREATE [OR REPLACE] DATABASE [IF NOT EXISTS] name:
// an attached in-memory catalog with a PUBLIC schema
// (https://docs.snowflake.com/en/sql-reference/sql/create-database). The
// session's current database becomes the new one, as in Snowflake.
func (s *Session) createDatabase(ctx context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st}
	p.skipCreate("DATABASE")
	ifNotExists := p.ifNotExists()
	parts, err := p.objectName()
	if err != nil {
		return nil, err
	}
	name := parts[0]
	if s.e.hasDatabase(name) && !ifNotExists && !st.sig[1].is("OR") {
		return nil, compileError(codeAlreadyExists, "42710", "Object '%s' already exists.", name)
	}
	if err := s.use(ctx, name, "PUBLIC"); err != nil {
		return nil, err
	}
	return statusResult(fmt.Sprintf("Database %s successfully created.", name)), nil
}

// createSchema runs CREATE [OR REPLACE] SCHEMA [IF NOT EXISTS] [db.]name;
// it becomes the current schema, as in Snowflake
// (https://docs.snowflake.com/en/sql-reference/sql/create-schema).
func (s *Session) createSchema(ctx context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st}
	p.skipCreate("SCHEMA")
	ifNotExists := p.ifNotExists()
	parts, err := p.objectName()
	if err != nil {
		return nil, err
	}
	db, schema := s.database, parts[len(parts)-1]
	if len(parts) > 1 {
		db = parts[len(parts)-2]
	}
	if !s.e.hasDatabase(db) {
		return nil, notExist("Database", db)
	}
	if s.schemaExists(ctx, db, schema) && !ifNotExists && !st.sig[1].is("OR") {
		return nil, compileError(codeAlreadyExists, "42710", "Object '%s' already exists.", schema)
	}
	if err := s.use(ctx, db, schema); err != nil {
		return nil, err
	}
	return statusResult(fmt.Sprintf("Schema %s successfully created.", schema)), nil
}
