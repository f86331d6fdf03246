{{ config "materialized" "table" -}}
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
FROM {{ ref "fct_orders" }}
GROUP BY batch_date
