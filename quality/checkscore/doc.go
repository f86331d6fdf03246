// Package checkscore scores a team's SQL checks against labelled chaos: the
// way package quality's scorecard scores EDQM's own flags on fct_orders, but
// for any suite of quality.Test (a dbt schema.yml compiled with
// quality.LoadSchemaFile) on any table.
//
// Score runs one trial per variant and seed: it corrupts the target's clean
// rows with that single chaos variant (chaos.Config.VariantRates, so every
// label has one cause), lands and loads them into a fresh warehouse, runs the
// tests, and maps each test's failing rows back to the labels by the row's
// key and occurrence. A clean trial, with no chaos, is the baseline.
//
// # Targets
//
// A Target puts a trial's data where the tests read it:
//
//   - Table: the team's own rows (an edqm.Table) and chaos.TableSpec, landed
//     as CSV and loaded as a raw table named after the spec's Table (all
//     VARCHAR, plus _file and _line), optionally with the team's own models
//     (a transform.Project) built over it. LandedTable reads the rows of a
//     file the team already landed.
//   - Builtin: EDQM's own flow (package generate's data, landed and loaded
//     as package pipeline does, the built-in models stg_* and fct_orders),
//     which is what the seed project's schema.yml tests.
//
// # How a failing row is matched to a label
//
// A label names a row by its key and occurrence (1 for the row as it came,
// 2 for an added duplicate). A test's failing rows name it, in this order
// of preference:
//
//  1. by the key column and a column named occurrence (the built-in models);
//  2. by the key column, _file and _line (a raw table), whose occurrence is
//     the row's rank among the rows of its key in file order;
//  3. by the key column alone (a unique test on the key, or a grouped
//     custom query): every occurrence of the key, or for a unique test on
//     the key every occurrence after the first (the duplicates).
//
// A test whose failing rows have no key column (a unique test on another
// column, row_count, recency) is not attributed to rows: it kills a variant
// when it finds more failures on the variant's trial than on the clean one,
// and it counts no caught row.
//
// A test catches a row when the row is among its failing rows, whatever the
// test's severity and thresholds: a warning is a detection.
//
// # The mutation score
//
// Each variant injected is a mutant. A mutant is killed when at least one
// test catches at least one of its rows (or, for tests not attributed to
// rows, fails more than on the clean trial), over all seeds. The suite's
// mutation score is the share of injected variants killed; the survivors
// are the gaps: "domain/bad_status: no test fails on it". A variant the
// target cannot take (its spec lacks the role it needs) is not injected and
// not counted.
//
// # Warehouses
//
// Every trial needs an empty warehouse. Options.Open is called once per
// trial; the default opens an in-memory DuckDB, which is empty at every
// open. URLOpener opens a URL per trial and replaces {trial} in it by the
// trial's number, so that a warehouse that keeps its tables between opens
// (a DuckDB file, Snowflake) gets a database or schema per trial:
// snowflake://me@acct/DB/SCORE_{trial}?warehouse=WH&setup=all. A trial
// whose warehouse's load ledger already lists a file stops with an error
// wrapping ErrNotEmpty, rather than mixing two trials' rows.
//
// # Errors
//
// Errors start with "checkscore:" and wrap their cause with %w. Options
// Score cannot run with wrap ErrInvalidOptions; a warehouse that is not
// empty wraps ErrNotEmpty; any other error of a trial names the trial
// ("checkscore: trial bad_status seed 2: …" or "checkscore: clean trial:
// …") and wraps the error of the target, the warehouse or package quality.
//
// # Reports
//
// Scorecard is JSON-serialisable (encoding/json) and WriteText renders it
// for a terminal.
package checkscore
