{{ config "materialized" "view" -}}
-- One row per customer: typed, and the latest version wins (the last file,
-- then the last line).
SELECT
    customer_id,
    name,
    email,
    {{ .Dialect.ParseDate "signup_date" }} AS signup_date,
    region
FROM {{ source "raw" "customers" }}
WHERE customer_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY _file DESC, _line DESC) = 1
