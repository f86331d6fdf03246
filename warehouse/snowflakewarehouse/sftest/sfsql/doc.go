// Package sfsql is the SQL engine of the Snowflake-protocol test server
// (package sftest): it runs the statements EDQM sends to Snowflake on an
// in-memory DuckDB database, with stages, file formats, COPY INTO and
// VALIDATE emulated in Go. It is a test double for EDQM's tests, never a
// Snowflake replacement.
//
// Each Snowflake database is an attached in-memory DuckDB catalog, each
// schema a DuckDB schema, so database.schema.table names map one to one.
// Each session has its own DuckDB connection: BEGIN … COMMIT spans its
// statements, COPY included.
//
// # Emulated
//
//   - Statements: SELECT/WITH, INSERT, UPDATE, DELETE, MERGE (DuckDB's),
//     CREATE [OR REPLACE] TABLE/VIEW [IF NOT EXISTS] (PRIMARY KEY, UNIQUE
//     and FOREIGN KEY dropped: Snowflake does not enforce them), DROP,
//     ALTER TABLE, CREATE DATABASE/SCHEMA, USE, ALTER SESSION SET (kept,
//     not applied), BEGIN/START TRANSACTION/COMMIT/ROLLBACK (DDL commits
//     an open transaction), CREATE WAREHOUSE / STORAGE INTEGRATION / GRANT
//     (accepted, no effect), CREATE/DROP FILE FORMAT, CREATE/DROP STAGE
//     (internal: a folder under Options.Dir; external: s3:// through
//     Options.S3), PUT (returns an [Upload]), LIST, REMOVE, COPY INTO
//     table FROM @stage (FILES, PATTERN, FILE_FORMAT by name or inline,
//     MATCH_BY_COLUMN_NAME, INCLUDE_METADATA, ON_ERROR, FORCE, PURGE, load
//     metadata with its 64-day expiry, gzip files), TABLE(VALIDATE(t,
//     JOB_ID => 'id')).
//   - Identifiers: unquoted names upper-cased, quoted ones kept; reserved
//     keywords used as bare identifiers refused with error 1003 (a
//     heuristic on the tokens, see checkReserved).
//   - Types: VARCHAR/TEXT/STRING, NUMBER(p,s) (BIGINT when s = 0),
//     INT synonyms, FLOAT/DOUBLE/REAL (64-bit), BOOLEAN, DATE, TIME,
//     TIMESTAMP/_NTZ/_LTZ/_TZ, BINARY, VARIANT/OBJECT/ARRAY as text.
//     Results report Snowflake rowtypes and Snowflake's JSON encodings.
//   - Functions translated: see the functions table (IFF, NVL, NVL2,
//     DIV0, TRY_TO_DATE/TIMESTAMP/NUMBER/DECIMAL/DOUBLE/BOOLEAN and TO_
//     forms with formats, REGEXP_SUBSTR/LIKE/REPLACE/COUNT, DATEADD,
//     DATEDIFF, DATE_TRUNC, DATE_PART, ENDSWITH, STARTSWITH, LISTAGG …
//     WITHIN GROUP, DECODE, LAST_QUERY_ID, CURRENT_SCHEMA/DATABASE/…);
//     DuckDB-only functions refused with error 2140.
//   - FROM VALUES (…) with COLUMN1…, INFORMATION_SCHEMA.COLUMNS, TABLES,
//     VIEWS and SCHEMATA with Snowflake's column names and DATA_TYPE
//     values.
//
// # Assumed (documentation silent), with the Options switch
//
//   - METADATA$FILE_ROW_NUMBER does not count a header line
//     (Options.FileRowNumberCountsHeader).
//   - METADATA$FILENAME of an external stage is relative to the stage URL
//     (Options.FilenameFullPath).
//   - VALIDATE sees a COPY of its own session before COMMIT
//     (Options.ValidateHidesUncommitted).
//   - A rolled-back COPY leaves no load metadata
//     (Options.LoadMetadataSurvivesRollback).
//   - PURGE removes files when the COPY ends, even inside a transaction
//     (Options.PurgeAtCommit).
//   - The enclosure character inside an unenclosed field is data
//     (Options.BareQuoteRejected).
//
// Other assumptions without a switch are marked "assumed" in the code:
// COPY's result for no file ("Copy executed with 0 files processed."),
// error_limit values, the column named by a column-count error, NULL_IF
// on enclosed fields, BOOLEAN encoded as "1"/"0", COPY's
// statementTypeId.
//
// # Missing
//
// DuckDB's case-insensitive identifiers ("a" and "A" are one column),
// an error inside a transaction aborts it (DuckDB) where Snowflake keeps
// it, DATEADD on a DATE returns a TIMESTAMP, COPY with a transforming
// SELECT, VALIDATION_MODE, file formats other than CSV, encodings other
// than UTF-8, $1 positional stage queries, SHOW/DESCRIBE in Snowflake's
// shapes, multi-statement requests (the protocol layer's job).
package sfsql
