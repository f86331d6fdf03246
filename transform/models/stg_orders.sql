{{ config "materialized" "incremental" -}}
{{ config "incremental_key" "batch_date" -}}
-- Typed orders. Not deduplicated: a repeated order_id must reach fct_orders
-- to be flagged. occurrence numbers the rows of an order_id in arrival order
-- (file, then line) over every raw row; batch_date is the day of the file
-- the row arrived in. Quantities, amounts and dates are parsed strictly,
-- by the library's rules (the dialect's Parse methods): a value the library
-- refuses ("1e3", " 7.50", "7.505", "2.0", "2026-3-9") is NULL, which
-- fct_orders flags.
--
-- A table, so that the tests and monitors do not number every order again
-- at each query. Incremental: a run rebuilds the batch days from the
-- earliest day that has a raw file not yet in the table (and the rows
-- without a batch day), numbering their rows after the rows of the same
-- order_id that it keeps, so day by day equals all at once.
WITH files AS (
    -- Each raw file once, with its batch day: the day is parsed once per
    -- file, not once per row.
    SELECT f._file, {{ batch_date "f._file" }} AS batch_date
    FROM (SELECT DISTINCT _file FROM {{ source "raw" "orders" }}) AS f
),
{{- if is_incremental }}
cutoff AS (
    SELECT MIN(batch_date) AS day FROM files
    WHERE _file NOT IN (SELECT DISTINCT _file FROM {{ this }})
),
picked AS (
    SELECT _file, batch_date FROM files
    WHERE batch_date IS NULL OR batch_date >= (SELECT day FROM cutoff)
),
{{- else }}
picked AS (
    SELECT _file, batch_date FROM files
),
{{- end }}
typed AS (
    SELECT
        r.order_id,
        r.customer_id,
        r.product_id,
        {{ .Dialect.ParseQuantity "r.quantity" }} AS quantity,
        {{ .Dialect.ParseAmount "r.total_amount" }} AS total_amount,
        {{ .Dialect.ParseDate "r.order_date" }} AS order_date,
        r.status,
        r.quantity AS quantity_raw,
        r.total_amount AS total_amount_raw,
        r.order_date AS order_date_raw,
        r.status AS status_raw,
        p.batch_date,
        r._file,
        r._line
    FROM {{ source "raw" "orders" }} AS r
    JOIN picked AS p ON p._file = r._file
)
{{- if is_incremental }},
-- The rows this run keeps (their files are not rebuilt) that share an
-- order_id with a rebuilt row: the rebuilt rows are numbered after them.
kept AS (
    SELECT t.order_id, t._file, t._line
    {{ .Dialect.SemiJoin (this) "t" "order_id" "typed" "t._file NOT IN (SELECT _file FROM picked)" }}
    UNION ALL
    SELECT t.order_id, t._file, t._line
    FROM {{ this }} AS t
    WHERE t.order_id IS NULL
        AND t._file NOT IN (SELECT _file FROM picked)
        AND EXISTS (SELECT 1 FROM typed WHERE order_id IS NULL)
),
numbered AS (
    SELECT _file, _line, _rebuilt,
        row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence
    FROM (
        SELECT order_id, _file, _line, TRUE AS _rebuilt FROM typed
        UNION ALL
        SELECT order_id, _file, _line, FALSE AS _rebuilt FROM kept
    ) AS u
)
{{- else }},
-- Only the rows of an order_id seen more than once are numbered (a few in
-- a hundred); every other row is its order's first. A window over every
-- row partitioned and sorted all of them with all their columns (the
-- transform's CPU at 1 M orders, examples/bench, medians of 3: 8.9 s
-- with it, 7.1 s without). NULL order ids count as one id, as in
-- PARTITION BY.
repeated AS (
    SELECT order_id, _file, _line FROM {{ source "raw" "orders" }}
    WHERE order_id IN (
        SELECT order_id FROM {{ source "raw" "orders" }} GROUP BY order_id HAVING COUNT(*) > 1
    )
    UNION ALL
    SELECT order_id, _file, _line FROM {{ source "raw" "orders" }}
    WHERE order_id IS NULL
        AND (SELECT COUNT(*) FROM {{ source "raw" "orders" }} WHERE order_id IS NULL) > 1
),
numbered AS (
    SELECT _file, _line,
        row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence
    FROM repeated
)
{{- end }}
SELECT
    r.order_id,
    r.customer_id,
    r.product_id,
    r.quantity,
    r.total_amount,
    r.order_date,
    r.status,
    r.quantity_raw,
    r.total_amount_raw,
    r.order_date_raw,
    r.status_raw,
    r.batch_date,
{{- if is_incremental }}
    n.occurrence,
{{- else }}
    COALESCE(n.occurrence, 1) AS occurrence,
{{- end }}
    r._file,
    r._line
FROM typed AS r
{{- if is_incremental }}
JOIN numbered AS n ON n._file = r._file AND n._line = r._line AND n._rebuilt
{{- else }}
LEFT JOIN numbered AS n ON n._file = r._file AND n._line = r._line
{{- end }}
