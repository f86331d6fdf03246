-- The CSV format of every load: the header names the columns (checked before loading), a row with
-- another number of fields is rejected, an empty field (quoted or not) is NULL, blank lines are skipped,
-- backslashes are data.
CREATE FILE FORMAT IF NOT EXISTS "EDQM"."RAW"."EDQM_CSV" TYPE = CSV FIELD_DELIMITER = ',' PARSE_HEADER = TRUE FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = ('') ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE SKIP_BLANK_LINES = TRUE TRIM_SPACE = FALSE ENCODING = 'UTF8' COMPRESSION = AUTO;

-- The internal stage: files from a local folder (or any Lander) are uploaded here with PUT.
CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_LANDING" COMMENT = 'EDQM: landed files uploaded for COPY INTO; loaded files are purged';

-- The load ledger: one row per file loaded (Snowflake's own load metadata expires after 64 days).
CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_LOADS" ("FILE" VARCHAR, "TABLE_NAME" VARCHAR, "ROWS_PARSED" NUMBER(38, 0), "ROWS_LOADED" NUMBER(38, 0), "ROWS_REJECTED" NUMBER(38, 0), "LOADED_AT" TIMESTAMP_NTZ, PRIMARY KEY ("FILE"));

-- Rejected rows, with their file, line and reason (from VALIDATE).
CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_REJECTS" ("TABLE_NAME" VARCHAR, "FILE" VARCHAR, "LINE" NUMBER(38, 0), "REASON" VARCHAR, "RAW" VARCHAR);
