{{ config "materialized" "view" -}}
-- One row per product: typed, and the latest version wins (the last file,
-- then the last line).
SELECT
    product_id,
    product_name,
    category,
    TRY_CAST(price AS DECIMAL(12, 2)) AS price,
    TRY_CAST(stock_level AS INTEGER) AS stock_level
FROM {{ source "raw" "products" }}
WHERE product_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY _file DESC, _line DESC) = 1
