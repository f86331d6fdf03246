{{ config "materialized" "view" -}}
-- One row per product: typed, and the latest version wins (the last file,
-- then the last line).
SELECT
    product_id,
    product_name,
    category,
    {{ .Dialect.ParseAmount "price" }} AS price,
    {{ .Dialect.ParseQuantity "stock_level" }} AS stock_level
FROM {{ source "raw" "products" }}
WHERE product_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY _file DESC, _line DESC) = 1
