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
	// expression, strictly as time.Parse does with the layout
	// "2006-01-02": four digits, "-", two digits, "-", two digits
	// (regular expression [0-9]{4}-[0-9]{2}-[0-9]{2}, the whole text),
	// naming a day that exists ("2023-02-29" does not). NULL, never an
	// error, when expr is NULL or anything else: "2026-3-9",
	// "03/09/2026", " 2026-03-09", "2026-03-09 00:00:00".
	ParseDate(expr string) string
	// ParseAmount returns a DECIMAL(18, 2) expression parsing expr, a
	// VARCHAR expression, as [edqm.ParseCents] does: an optional sign,
	// one to sixteen digits, and optionally a point followed by one or
	// two digits (regular expression [+-]?[0-9]{1,16}([.][0-9]{1,2})?,
	// the whole text). NULL, never an error, when expr is NULL or
	// anything else: "1e3", " 7.50", "7.505", "7.", ".5", "1,000.00".
	ParseAmount(expr string) string
	// ParseQuantity returns an INTEGER expression parsing expr, a
	// VARCHAR expression, as strconv.ParseInt(s, 10, 64) does, for
	// values below 10^9 in magnitude: an optional sign, any number of
	// leading zeros, then one to nine digits (regular expression
	// [+-]?0*[0-9]{1,9}, the whole text). NULL, never an error, when
	// expr is NULL or anything else: "2.0", " 2", "2e0", "1000000000".
	ParseQuantity(expr string) string
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

// The grammars of [Dialect]'s Parse methods, as regular expressions that
// must match the whole text. They use only bracket expressions, groups
// and bounded repetition, so that RE2 (DuckDB) and POSIX extended regular
// expressions (Snowflake) read them alike, and hold no quote or
// backslash, so that they are pasted into a SQL string literal as they
// are.
const (
	// DatePattern is ParseDate's: YYYY-MM-DD with two-digit month and day.
	DatePattern = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
	// AmountPattern is ParseAmount's, the grammar of [edqm.ParseCents].
	AmountPattern = "[+-]?[0-9]{1,16}([.][0-9]{1,2})?"
	// QuantityPattern is ParseQuantity's: an integer below 10^9 in
	// magnitude, with optional sign and leading zeros.
	QuantityPattern = "[+-]?0*[0-9]{1,9}"
)

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
