// Package sftest is a Snowflake-protocol test server for the gosnowflake
// driver: an HTTP server on 127.0.0.1 (random port) that the real driver
// connects to with Protocol "http", Host and Port. It is test
// infrastructure, a test double; it is not a Snowflake replacement.
//
// The server speaks the REST protocol of gosnowflake v1.19.1 and hands
// the SQL of each session to an [Engine] (by default the DuckDB-backed
// engine of package sfsql), one statement at a time per session.
//
// Endpoints emulated (paths from gosnowflake restful.go and telemetry.go):
//
//   - POST /session/v1/login-request: password login (authenticator empty
//     or SNOWFLAKE) and key-pair login (SNOWFLAKE_JWT: RS256 signature
//     checked with the user's public key, issuer
//     ACCOUNT.USER.SHA256:<fingerprint>, subject ACCOUNT.USER, expiry).
//     Wrong credentials: success false, code 390100 (390144 for a bad
//     JWT). The session's database, schema, warehouse and role are the
//     databaseName, schemaName, warehouse and roleName query parameters.
//   - POST /session/token-request: renewal of a session token with the
//     master token.
//   - POST /session/heartbeat: keep-alive.
//   - POST /session?delete=true: session close.
//   - POST /queries/v1/query-request: one statement, answered in the JSON
//     result format (queryResultFormat "json", rowtype, rowset, total,
//     statementTypeId, final*Name); PUT is answered with an UPLOAD
//     file-transfer response to a LOCAL_FS stage, so that the driver
//     copies the files into the engine's stage folder; errors as
//     success false with the Snowflake code, message, data.sqlState and
//     data.queryId.
//   - POST /queries/v1/abort-request: cancels the running statement with
//     that request id (000605 when none).
//   - POST /telemetry/send: accepted and ignored.
//   - PUT /sftest/upload/{id}/{name}: with [Options.UploadOverHTTP], PUT
//     is answered as a GCS stage with a presigned URL on this server
//     (gosnowflake gcs_storage_client.go uploadFile), which receives the
//     file here. Use it for streamed PUTs (gosnowflake WithFileStream):
//     gosnowflake v1.19.1 writes an empty file for them to a LOCAL_FS
//     stage (file_transfer_agent.go updateUploadSize measures the stream
//     after it was drained).
//
// Any other endpoint gets 404 and a log line.
//
// Not emulated (answered with Snowflake's "Unsupported feature" error,
// code 000002, assumed): several statements in one request
// (MULTI_STATEMENT_COUNT other than 1; a text with more statements than
// MULTI_STATEMENT_COUNT gets Snowflake's error 000008 "Actual statement
// count N did not match the desired statement count M."), asynchronous
// execution, describe-only requests, array and stage binds, GET, result
// chunks and the Arrow result format, and authenticators other than
// password and key pair.
//
// Assumed (not documented, not read from gosnowflake): the codes and
// messages of the errors marked so in the source (an unknown session
// token is 390111, a bad master token 390114, a cancelled statement
// 000604, a non-Snowflake engine error 000603, an empty text 000900),
// TIMEZONE UTC in the session parameters, the refusal of a login naming
// another account, and the .gz name of an auto-compressed file sent over
// HTTP. Before an overwriting LOCAL_FS PUT the server removes the files
// it replaces, since the driver's local copy does not truncate them. Tokens never expire by themselves;
// [Server.ExpireSessionTokens] expires them to exercise the renewal.
//
// The product reaches a server the way it reaches an account:
// [Server.SetEnv] sets SNOWFLAKE_HOST, SNOWFLAKE_PORT,
// SNOWFLAKE_PROTOCOL=http and SNOWFLAKE_PASSWORD for the test, and
// [Server.URL] gives the snowflake:// URL that warehouse.Open (or
// examples/full -warehouse) takes:
//
//	srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{"EDQM": {Password: pw}}})
//	srv.SetEnv(t, pw)
//	w, err := warehouse.Open(ctx, srv.URL("EDQM", "EDQM", "RAW", ""), nil)
//
// [Options.S3] lets external stages read an S3-compatible server
// (versitygw in the tests, see landing/s3landing/s3test), and
// [Options.SQL] switches the behaviours Snowflake's documentation leaves
// open (sfsql.Options), so that the product can be run under each reading.
//
// Each emulated behaviour cites in a comment the gosnowflake source
// file and function, test fixture or Snowflake documentation page it
// follows, or says "assumed".
package sftest
