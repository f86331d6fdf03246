package warehouse

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Dialect is an engine's SQL flavour: everything the models and tests
// write differently per engine is a method here, never an
// "if dialect == …" in Go or in a template. Each method returns a SQL
// expression or clause; the arguments that are SQL (expressions, relation
// names, conditions) are trusted, already checked by the caller (with
// [ValidIdent] for identifiers), and pasted as they are.
//
// # How to implement a Dialect
//
//  1. Return SQL the engine accepts, for every method, with the meaning
//     documented here: the same data must give the same results on every
//     engine (warehouse/warehousetest's conformance suite checks it).
//  2. Register it with [RegisterDialect] from the engine package's init
//     function, so that code holding only its name (transform's compile
//     mode) finds it with [LookupDialect].
type Dialect interface {
	// Name is the engine's name, such as "duckdb" or "snowflake"; the
	// name it is registered under.
	Name() string
	// DateLiteral returns a DATE literal for d's year, month and day
	// (its time and location are ignored).
	DateLiteral(d time.Time) string
	// ParseDate returns a DATE expression parsing expr, a VARCHAR
	// expression, as YYYY-MM-DD: NULL, never an error, when expr is NULL
	// or not such a date.
	ParseDate(expr string) string
	// BatchDate returns a DATE expression for the date in the
	// "date=YYYY-MM-DD" segment of the landing key held in column (an
	// identifier, optionally qualified: "o._file"): NULL when the key has
	// no such segment.
	BatchDate(column string) string
	// SemiJoin returns the FROM clause (and WHERE clause) reading table as
	// alias and keeping the rows whose column is among the values of
	// column in keys (a relation, such as a CTE, expected to be much
	// smaller than table) and for which where, a condition, holds: the
	// join the engine runs best when table is large and keys few. It
	// starts with "FROM"; its later lines are indented by four spaces.
	// alias must not be "k", which the clause may use for keys.
	SemiJoin(table, alias, column, keys, where string) string
}

// ErrUnknownDialect is wrapped by the error of [LookupDialect] for a name
// no engine registered.
var ErrUnknownDialect = errors.New("warehouse: unknown dialect")

var (
	dialectsMu sync.RWMutex
	dialects   = map[string]Dialect{}
)

// RegisterDialect makes d known to [LookupDialect] by its name. Engine
// packages call it from an init function. It panics, as
// database/sql.Register does, when d is nil, its name is empty, or the
// name is already registered.
func RegisterDialect(d Dialect) {
	if d == nil {
		panic("warehouse: RegisterDialect: nil dialect")
	}
	name := d.Name()
	if name == "" {
		panic("warehouse: RegisterDialect: empty dialect name")
	}
	dialectsMu.Lock()
	defer dialectsMu.Unlock()
	if _, dup := dialects[name]; dup {
		panic("warehouse: RegisterDialect: dialect " + name + " registered twice")
	}
	dialects[name] = d
}

// LookupDialect returns the dialect registered under name. For a name not
// registered (its engine package not imported), the error wraps
// [ErrUnknownDialect] and lists the known names.
func LookupDialect(name string) (Dialect, error) {
	dialectsMu.RLock()
	defer dialectsMu.RUnlock()
	if d, ok := dialects[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownDialect, name, strings.Join(slices.Sorted(maps.Keys(dialects)), ", "))
}

// DialectNames returns the names of the registered dialects, sorted.
func DialectNames() []string {
	dialectsMu.RLock()
	defer dialectsMu.RUnlock()
	return slices.Sorted(maps.Keys(dialects))
}
