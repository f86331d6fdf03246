{{ config "materialized" "incremental" -}}
{{ config "incremental_key" "batch_date" -}}
-- One row per stg_orders row, with its product and customer, and one
-- boolean per quality rule. Flags are never NULL: a rule that cannot be
-- evaluated (a missing date, say) does not fire, another flag covers it.
--
-- Incremental: a run rebuilds the batch days from the earliest day that
-- has a file not yet in the table, and keeps the days before it. The days
-- after it are rebuilt too, because occurrence (and so is_duplicate) is
-- numbered over all the rows of an order_id in file order: a late file of
-- an earlier day renumbers the later rows of the same order_id. Rows
-- without a batch day are rebuilt every time.
WITH orders AS (
    -- The rows to build, filtered before the joins, in two plain filters
    -- (not one with OR) so that each reaches the scan of stg_orders.
    SELECT * FROM {{ ref "stg_orders" }}
{{- if is_incremental }}
    WHERE batch_date >= (
        SELECT MIN(n.batch_date) FROM (SELECT DISTINCT _file, batch_date FROM {{ ref "stg_orders" }}) AS n
        WHERE n._file NOT IN (SELECT DISTINCT _file FROM {{ this }})
    )
    UNION ALL
    SELECT * FROM {{ ref "stg_orders" }} WHERE batch_date IS NULL
{{- end }}
),
joined AS (
    SELECT
        o.order_id,
        o.occurrence,
        o.customer_id,
        o.product_id,
        o.quantity,
        p.price AS unit_price,
        o.total_amount,
        o.order_date,
        o.batch_date,
        o.status,
        c.signup_date,
        p.category,
        c.region,
        c.customer_id IS NOT NULL AS customer_found,
        p.product_id IS NOT NULL AS product_found,
        o._file,
        o._line
    FROM orders AS o
    LEFT JOIN {{ ref "stg_customers" }} AS c ON c.customer_id = o.customer_id
    LEFT JOIN {{ ref "stg_products" }} AS p ON p.product_id = o.product_id
),
flags AS (
    SELECT
        order_id,
        occurrence,
        customer_id,
        product_id,
        quantity,
        unit_price,
        total_amount,
        order_date,
        batch_date,
        status,
        signup_date,
        category,
        region,
        COALESCE(
            total_amount >= 0
            AND quantity BETWEEN 1 AND 5
            AND unit_price IS NOT NULL
            AND ABS(total_amount - quantity * unit_price) > 0.05,
            FALSE) AS has_math_error,
        COALESCE(order_date > batch_date, FALSE) AS is_future_order,
        COALESCE(customer_found AND order_date < signup_date, FALSE) AS is_before_signup,
        (customer_id IS NULL OR product_id IS NULL OR NOT customer_found OR NOT product_found) AS is_orphan_order,
        COALESCE(total_amount < 0, FALSE) AS has_negative_amount,
        (total_amount IS NULL) AS has_bad_amount,
        (status IS NULL OR status NOT IN ('COMPLETED', 'PENDING', 'SHIPPED', 'CANCELLED')) AS has_bad_status,
        (quantity IS NULL OR quantity < 1 OR quantity > 5) AS has_bad_quantity,
        (order_date IS NULL) AS has_bad_date,
        (occurrence > 1) AS is_duplicate,
        _file,
        _line
    FROM joined
)
SELECT
    order_id,
    occurrence,
    customer_id,
    product_id,
    quantity,
    unit_price,
    total_amount,
    order_date,
    batch_date,
    status,
    signup_date,
    category,
    region,
    has_math_error,
    is_future_order,
    is_before_signup,
    is_orphan_order,
    has_negative_amount,
    has_bad_amount,
    has_bad_status,
    has_bad_quantity,
    has_bad_date,
    is_duplicate,
    (has_math_error OR is_future_order OR is_before_signup OR is_orphan_order
        OR has_negative_amount OR has_bad_amount OR has_bad_status
        OR has_bad_quantity OR has_bad_date OR is_duplicate) AS is_flagged,
    _file,
    _line
FROM flags
