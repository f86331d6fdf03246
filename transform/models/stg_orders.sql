{{ config "materialized" "incremental" -}}
{{ config "incremental_key" "batch_date" -}}
-- Typed orders. Not deduplicated: a repeated order_id must reach fct_orders
-- to be flagged. occurrence numbers the rows of an order_id in arrival order
-- (file, then line) over every raw row; batch_date is the day of the file
-- the row arrived in.
--
-- A table, so that the tests and monitors do not number every order again
-- at each query. Incremental: a run rebuilds the batch days from the
-- earliest day that has a raw file not yet in the table (and the rows
-- without a batch day), numbering their rows after the rows of the same
-- order_id that it keeps, so day by day equals all at once.
WITH typed AS (
    SELECT
        order_id,
        customer_id,
        product_id,
        TRY_CAST(quantity AS INTEGER) AS quantity,
        TRY_CAST(total_amount AS DECIMAL(14, 2)) AS total_amount,
        TRY_CAST(order_date AS DATE) AS order_date,
        status,
        quantity AS quantity_raw,
        total_amount AS total_amount_raw,
        order_date AS order_date_raw,
        status AS status_raw,
        {{ batch_date "_file" }} AS batch_date,
        _file,
        _line
    FROM {{ source "raw" "orders" }}
)
{{- if is_incremental }},
cutoff AS (
    SELECT MIN({{ batch_date "f._file" }}) AS day
    FROM (SELECT DISTINCT _file FROM {{ source "raw" "orders" }}) AS f
    WHERE f._file NOT IN (SELECT DISTINCT _file FROM {{ this }})
),
rebuilt AS (
    SELECT typed.* FROM typed
    WHERE typed.batch_date IS NULL OR typed.batch_date >= (SELECT day FROM cutoff)
),
kept AS (
    SELECT t.order_id, t._file, t._line FROM {{ this }} AS t
    WHERE t.batch_date IS NOT NULL
        AND ((SELECT day FROM cutoff) IS NULL OR t.batch_date < (SELECT day FROM cutoff))
        AND (t.order_id IN (SELECT order_id FROM rebuilt)
            OR (t.order_id IS NULL AND EXISTS (SELECT 1 FROM rebuilt WHERE order_id IS NULL)))
),
numbered AS (
    SELECT _file, _line, _rebuilt,
        row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence
    FROM (
        SELECT order_id, _file, _line, TRUE AS _rebuilt FROM rebuilt
        UNION ALL
        SELECT order_id, _file, _line, FALSE AS _rebuilt FROM kept
    ) AS u
)
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
    n.occurrence,
    r._file,
    r._line
FROM rebuilt AS r
JOIN numbered AS n ON n._file = r._file AND n._line = r._line AND n._rebuilt
{{- else }}
SELECT
    order_id,
    customer_id,
    product_id,
    quantity,
    total_amount,
    order_date,
    status,
    quantity_raw,
    total_amount_raw,
    order_date_raw,
    status_raw,
    batch_date,
    row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence,
    _file,
    _line
FROM typed
{{- end }}
