{{ config "materialized" "table" -}}
-- Revenue per batch (the day the orders arrived): all of it, the part from
-- orders without any flag, and the difference, which is at risk.
SELECT
    batch_date,
    COUNT(*) AS orders,
    SUM(CASE WHEN is_flagged THEN 1 ELSE 0 END) AS flagged_orders,
    COALESCE(SUM(total_amount), 0) AS raw_revenue,
    COALESCE(SUM(CASE WHEN NOT is_flagged THEN total_amount END), 0) AS clean_revenue,
    COALESCE(SUM(total_amount), 0)
        - COALESCE(SUM(CASE WHEN NOT is_flagged THEN total_amount END), 0) AS revenue_at_risk
FROM {{ ref "fct_orders" }}
GROUP BY batch_date
