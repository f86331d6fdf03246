{{ config "materialized" "view" -}}
-- Typed orders. Not deduplicated: a repeated order_id must reach fct_orders
-- to be flagged. occurrence numbers the rows of an order_id in arrival order
-- (file, then line); batch_date is the day of the file the row arrived in.
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
    row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence,
    _file,
    _line
FROM {{ source "raw" "orders" }}
