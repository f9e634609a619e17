-- wms_reorder_hints($1 product or NULL for all, $2 warehouse or NULL for
-- all): one row per inventory row with
--   on_hand, available        as wms.available_to_sell says;
--   reorder_point, safety_stock the item's policy (wms_set_reorder_policy);
--   avg_daily_sales           units sold (outbound rows of orders) in the
--                             30 days ending today / 30,
--                             the last rolling_avg of
--                             wms_sales_rolling_average(product, 30, warehouse);
--   days_of_cover             available / avg_daily_sales, NULL when nothing sold;
--   suggested_quantity        when available <= reorder_point, enough to
--                             reach the larger of reorder_point and
--                             safety_stock + the last 30 days' sales
--                             (a month of demand on top of the safety
--                             stock); otherwise 0.
WITH sales AS (
    SELECT m.product_id, m.warehouse_id, -pg_catalog.sum(m.quantity_change) AS units
      FROM wms.stock_movements m
     WHERE m.order_id IS NOT NULL
       AND m.quantity_change < 0
       AND ($1::bigint IS NULL OR m.product_id = $1)
       AND ($2::bigint IS NULL OR m.warehouse_id = $2)
       AND m.movement_time >= (current_date - 29)::timestamptz
       AND m.movement_time < (current_date + 1)::timestamptz
     GROUP BY m.product_id, m.warehouse_id
), items AS (
    SELECT a.product_id, a.warehouse_id, a.on_hand, a.available,
           i.reorder_point, i.safety_stock, COALESCE(s.units, 0) AS units
      FROM wms.available_to_sell a
      JOIN wms.inventory i ON i.product_id = a.product_id AND i.warehouse_id = a.warehouse_id
      LEFT JOIN sales s ON s.product_id = a.product_id AND s.warehouse_id = a.warehouse_id
     WHERE ($1::bigint IS NULL OR a.product_id = $1)
       AND ($2::bigint IS NULL OR a.warehouse_id = $2)
)
SELECT product_id, warehouse_id, on_hand, available, reorder_point, safety_stock,
       pg_catalog.round(units / 30, 4) AS avg_daily_sales,
       CASE WHEN units > 0 THEN pg_catalog.round(available::numeric * 30 / units, 1) END AS days_of_cover,
       CASE WHEN available <= reorder_point
            THEN LEAST(GREATEST(reorder_point, safety_stock + units) - available,
                       9223372036854775807)::bigint
            ELSE 0
       END AS suggested_quantity
  FROM items
 ORDER BY product_id, warehouse_id
