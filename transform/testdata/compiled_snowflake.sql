-- stg_customers (view), level 0
CREATE OR REPLACE VIEW stg_customers AS
-- One row per customer: typed, and the latest version wins (the last file,
-- then the last line).
SELECT
    customer_id,
    name,
    email,
    CASE WHEN REGEXP_LIKE(signup_date, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_TO_DATE(signup_date, 'YYYY-MM-DD') END AS signup_date,
    region
FROM raw_customers
WHERE customer_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY _file DESC, _line DESC) = 1;

-- stg_orders (incremental, key batch_date, full build), level 0
CREATE OR REPLACE TABLE stg_orders AS
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
    SELECT f._file, TO_DATE(REGEXP_SUBSTR(f._file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD') AS batch_date
    FROM (SELECT DISTINCT _file FROM raw_orders) AS f
),
picked AS (
    SELECT _file, batch_date FROM files
),
typed AS (
    SELECT
        r.order_id,
        r.customer_id,
        r.product_id,
        CASE WHEN REGEXP_LIKE(r.quantity, '[+-]?0*[0-9]{1,9}') THEN TRY_TO_NUMBER(r.quantity) END AS quantity,
        CASE WHEN REGEXP_LIKE(r.total_amount, '[+-]?[0-9]{1,16}([.][0-9]{1,2})?') THEN TRY_TO_NUMBER(r.total_amount, 18, 2) END AS total_amount,
        CASE WHEN REGEXP_LIKE(r.order_date, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_TO_DATE(r.order_date, 'YYYY-MM-DD') END AS order_date,
        r.status,
        r.quantity AS quantity_raw,
        r.total_amount AS total_amount_raw,
        r.order_date AS order_date_raw,
        r.status AS status_raw,
        p.batch_date,
        r._file,
        r._line
    FROM raw_orders AS r
    JOIN picked AS p ON p._file = r._file
),
-- Only the rows of an order_id seen more than once are numbered (a few in
-- a hundred); every other row is its order's first. A window over every
-- row partitioned and sorted all of them with all their columns (the
-- transform's CPU at 1 M orders, examples/bench, medians of 3: 8.9 s
-- with it, 7.1 s without). NULL order ids count as one id, as in
-- PARTITION BY.
repeated AS (
    SELECT order_id, _file, _line FROM raw_orders
    WHERE order_id IN (
        SELECT order_id FROM raw_orders GROUP BY order_id HAVING COUNT(*) > 1
    )
    UNION ALL
    SELECT order_id, _file, _line FROM raw_orders
    WHERE order_id IS NULL
        AND (SELECT COUNT(*) FROM raw_orders WHERE order_id IS NULL) > 1
),
numbered AS (
    SELECT _file, _line,
        row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS occurrence
    FROM repeated
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
    COALESCE(n.occurrence, 1) AS occurrence,
    r._file,
    r._line
FROM typed AS r
LEFT JOIN numbered AS n ON n._file = r._file AND n._line = r._line;

-- stg_products (view), level 0
CREATE OR REPLACE VIEW stg_products AS
-- One row per product: typed, and the latest version wins (the last file,
-- then the last line).
SELECT
    product_id,
    product_name,
    category,
    CASE WHEN REGEXP_LIKE(price, '[+-]?[0-9]{1,16}([.][0-9]{1,2})?') THEN TRY_TO_NUMBER(price, 18, 2) END AS price,
    CASE WHEN REGEXP_LIKE(stock_level, '[+-]?0*[0-9]{1,9}') THEN TRY_TO_NUMBER(stock_level) END AS stock_level
FROM raw_products
WHERE product_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY _file DESC, _line DESC) = 1;

-- fct_orders (incremental, key batch_date, full build), level 1
CREATE OR REPLACE TABLE fct_orders AS
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
    SELECT * FROM stg_orders
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
    LEFT JOIN stg_customers AS c ON c.customer_id = o.customer_id
    LEFT JOIN stg_products AS p ON p.product_id = o.product_id
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
FROM flags;

-- mart_daily_revenue (table), level 2
CREATE OR REPLACE TABLE mart_daily_revenue AS
-- Per batch (the day the orders arrived): orders, revenue (all of it, the
-- part from orders without any flag, and the difference, which is at risk)
-- and the orders each kind of issue flags. The kinds group the flags as
-- quality.KindFlags does; an order can count under several kinds.
SELECT
    batch_date,
    COUNT(*) AS orders,
    SUM(CASE WHEN is_flagged THEN 1 ELSE 0 END) AS flagged_orders,
    COALESCE(SUM(total_amount), 0) AS raw_revenue,
    COALESCE(SUM(CASE WHEN NOT is_flagged THEN total_amount END), 0) AS clean_revenue,
    COALESCE(SUM(total_amount), 0)
        - COALESCE(SUM(CASE WHEN NOT is_flagged THEN total_amount END), 0) AS revenue_at_risk,
    SUM(CASE WHEN has_math_error THEN 1 ELSE 0 END) AS calculation_issues,
    SUM(CASE WHEN is_future_order OR is_before_signup THEN 1 ELSE 0 END) AS temporal_issues,
    SUM(CASE WHEN is_orphan_order THEN 1 ELSE 0 END) AS integrity_issues,
    SUM(CASE WHEN has_negative_amount OR has_bad_amount OR has_bad_status OR has_bad_quantity OR has_bad_date
        THEN 1 ELSE 0 END) AS domain_issues,
    SUM(CASE WHEN is_duplicate THEN 1 ELSE 0 END) AS duplication_issues
FROM fct_orders
GROUP BY batch_date;
