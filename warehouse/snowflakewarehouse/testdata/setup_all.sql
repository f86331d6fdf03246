-- The virtual warehouse that runs EDQM's statements: the smallest size, suspended after a minute idle.
CREATE WAREHOUSE IF NOT EXISTS "EDQM_WH" WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE;

-- The database and the schema of the raw tables, the models and EDQM's ledger.
CREATE DATABASE IF NOT EXISTS "EDQM";
CREATE SCHEMA IF NOT EXISTS "EDQM"."RAW";

-- The storage integration: Snowflake reads the landing bucket by assuming this IAM role, without keys.
-- Afterwards, DESC INTEGRATION "EDQM_S3" gives STORAGE_AWS_IAM_USER_ARN and
-- STORAGE_AWS_EXTERNAL_ID for the role's trust policy.
CREATE STORAGE INTEGRATION IF NOT EXISTS "EDQM_S3" TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/edqm-snowflake' STORAGE_ALLOWED_LOCATIONS = ('s3://edqm-landing/prod/');
GRANT USAGE ON INTEGRATION "EDQM_S3" TO ROLE "EDQM_LOADER";

-- The CSV format of every load: the header names the columns (checked before loading), a row with
-- another number of fields is rejected, an empty field (quoted or not) is NULL, blank lines are skipped,
-- backslashes are data.
CREATE FILE FORMAT IF NOT EXISTS "EDQM"."RAW"."EDQM_CSV" TYPE = CSV FIELD_DELIMITER = ',' PARSE_HEADER = TRUE FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = ('') ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE SKIP_BLANK_LINES = TRUE TRIM_SPACE = FALSE ENCODING = 'UTF8' COMPRESSION = AUTO;

-- The internal stage: files from a local folder (or any Lander) are uploaded here with PUT.
CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_LANDING" COMMENT = 'EDQM: landed files uploaded for COPY INTO; loaded files are purged';

-- The external stage over the landing bucket: COPY INTO reads the files where they landed.
CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_S3_LANDING" URL = 's3://edqm-landing/prod/' STORAGE_INTEGRATION = "EDQM_S3" COMMENT = 'EDQM: the landing root in S3';

-- The load ledger: one row per file loaded (Snowflake's own load metadata expires after 64 days).
CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_LOADS" ("FILE" VARCHAR, "TABLE_NAME" VARCHAR, "ROWS_PARSED" NUMBER(38, 0), "ROWS_LOADED" NUMBER(38, 0), "ROWS_REJECTED" NUMBER(38, 0), "LOADED_AT" TIMESTAMP_NTZ, PRIMARY KEY ("FILE"));

-- Rejected rows, with their file, line and reason (from VALIDATE).
CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_REJECTS" ("TABLE_NAME" VARCHAR, "FILE" VARCHAR, "LINE" NUMBER(38, 0), "REASON" VARCHAR, "RAW" VARCHAR);
