// Package pipeline runs the EDQM flow on any [landing.Lander] and
// [warehouse.Warehouse]: generate → chaos → landing → warehouse →
// transform → quality → report, in one call.
//
//	res, err := pipeline.Run(ctx, land, wh, &pipeline.Options{Injector: inj, Days: 30})
//
// [Run] is what examples/full runs; a Go team calls it from its own job,
// or composes the steps it exports ([LandDays], [LoadAll], [Build]) as
// examples/bench does. [Open] opens a landing zone and a warehouse by URL
// ([FolderURLs] names both in one local folder), [TextProgress] prints a
// line per stage and [DescribeURL] shows a URL to a person without its
// secrets: with them, a program is flags and printing.
//
// # Stages
//
// A run goes through these stages, in order (see [Stage]):
//
//  0. verify (with Options.Verify only): read every table back ([Verify]);
//  1. plan: read the watermark, the load ledger and the day manifests,
//     remove the temporary files of killed runs ([landing.TempRemover]),
//     and list the days to land: the Days days ending on the run's day on
//     a first run (a backfill), else every day after the watermark up to
//     the run's day (none when up to date); with no watermark but
//     manifests, the days without one (the watermark is rebuilt, see
//     [Result.Rebuilt]);
//  2. land: re-land the days of Options.Reland; generate each day, apply
//     dataset-level chaos (optional), inject record-level chaos
//     (optional), land the files with their labels, then the day's
//     manifest ([landing.Manifest]: rows, size and SHA-256 of each file);
//  3. advance: move the watermark to the last day landed, by
//     compare-and-swap;
//  4. load: load every landed file the warehouse's ledger does not hold
//     yet (so files landed by an interrupted run are not lost), each
//     checked first against its manifest and its table's header: files
//     missing, cut short, changed or unloadable are left out and recorded
//     in [QuarantineTable] (see [ErrLeftOut]), every other file loads;
//     every label file is read with chaos.ReadLabels first, so a malformed
//     label line is an error naming the file and line, never a shifted
//     truth;
//  5. build: build the models when the ledger moved since their last build;
//  6. quality: run the tests and monitors and compute the report;
//  7. snapshot: write the report as JSON and as a self-contained HTML page,
//     when something changed, or each of the two that is missing;
//  8. history: append the run's test and monitor results to the results
//     history ([quality.History]), once per run id (not when files were
//     left out: the run that loads them records it); then write the
//     figures file beside the JSON snapshot (dashboard.WriteFigures, on
//     the snapshot's terms), with which the dashboard's demo mode shows
//     every view from the landing zone alone;
//  9. checkpoint: have the warehouse write its changes back to its
//     database file ([warehouse.Checkpointer]), so that a run reports
//     success only once its data is durable, and fails saying so when it
//     cannot be (a full disk).
//
// A run that left files out goes through every stage, so that the report
// shows them, then returns an error wrapping [ErrLeftOut] that names each
// file, what is wrong and its remedy: re-land its day
// ([Options.Reland]), or, for a file no manifest lists, replace it.
//
// # Landing layout
//
// Per day: customers/, orders/ (and products/ on a backfill's first day)
// under date=YYYY-MM-DD partitions, as [landing.DataKey] names them; the
// record-level labels at [landing.LabelsKey]; the dataset-level labels under
// [DatasetLabelsPrefix]; a late partition lands in its landing day's
// partition under a name of its own (orders-<day>-late.csv). Snapshots go
// to [quality.SnapshotKey] of the run's day, with the HTML page and the
// dashboard's figures file (dashboard.FiguresKey) beside them.
//
// Data files are CSV, or Parquet with Options.Format set to [FormatParquet]:
// the same values, so the same raw rows (with the same _line: a row's
// number plus one, as in a CSV file whose header is line 1), models, tests
// and report (but that _file ends in .parquet). Labels, manifests and snapshots stay
// CSV and JSON. Dataset chaos that rewrites CSV text (schema changes,
// malformed lines) has no Parquet meaning and is refused with Parquet.
//
// # Idempotence and crashes
//
// The same options and day give the same bytes, so a run killed at any
// point is repaired by running it again: temporary files it left are
// removed, landing overwrites identical files, the ledger skips loaded
// files, the models are rebuilt when the ledger moved, the JSON snapshot,
// the HTML page and the figures file are each written when missing, and
// the history rows are appended when the run id has none.
//
// A landing never gives a loaded file other bytes: a file the ledger
// holds is written again only when its day's manifest records exactly
// the new bytes, and a landing that would change it stops, naming it
// ([ErrLoadedFileChanged]). A watermark lost (deleted, as its corrupt
// message advises) is rebuilt from the manifests: the run lands only the
// days that have none, so no file is landed or loaded twice.
//
// # Results history
//
// The run id is the run's day (YYYY-MM-DD) unless [Options.RunID] says
// otherwise. A run appends its results when the history holds no rows under
// its run id, so a second run on the same day adds nothing
// ([Result.HistoryRows] is 0) and the history keeps one run per day. The
// rows are appended through a scratch table and copied in one INSERT, so
// an interrupted append leaves no partial run behind.
//
// # Progress and logging
//
// [Options.Progress] is called at the start and end of every stage (and
// after each day landed, each batch of files loaded and each model
// built), never concurrently; at a stage's end the
// [Result] holds its figures, which is how examples/full prints each line
// as soon as the stage is done ([TextProgress] writes those lines).
// [Options.Logger] gets one record per stage; no URL, credential or row
// content is logged.
//
// # Errors
//
// Errors start with "pipeline:" and wrap the cause with %w: a watermark
// moved by another runner wraps [landing.ErrConflict]; invalid options wrap
// [ErrInvalidOptions]. Context errors are returned as they are, and so are
// the errors of the packages [Open] calls (they name their package).
package pipeline
