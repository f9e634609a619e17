-- wms_sales_rolling_average($1 product, $2 days, $3 warehouse or NULL for
-- all, $4 last day; $5 the warehouses the caller may see, NULL for all): one row per day of the $2 days ending $4, with the
-- units sold that day and the average of the $2 days ending that day.
-- Units sold are the outbound ledger rows of orders (written only when an
-- order takes its stock, so cancelled and unfulfilled orders count
-- nothing; a restocked return is an inbound row and does not count);
-- a day is a calendar day in the session's TimeZone; days without sales
-- count as zero. The window reaches back 2 * $2 - 1 days so that every row
-- returned averages a full $2 days.
WITH days AS (
    SELECT d::date AS day
      FROM pg_catalog.generate_series($4::date - (2 * $2 - 2), $4::date, interval '1 day') AS d
), sales AS (
    SELECT m.movement_time::date AS day, -pg_catalog.sum(m.quantity_change)::bigint AS units
      FROM wms.stock_movements m
     WHERE m.product_id = $1
       AND ($3::bigint IS NULL OR m.warehouse_id = $3)
       AND ($5::bigint[] IS NULL OR m.warehouse_id = ANY ($5))
       AND m.order_id IS NOT NULL
       AND m.quantity_change < 0
       AND m.movement_time >= ($4::date - (2 * $2 - 2))::timestamptz
       AND m.movement_time < ($4::date + 1)::timestamptz
     GROUP BY 1
), daily AS (
    SELECT d.day,
           COALESCE(s.units, 0) AS units_sold,
           pg_catalog.avg(COALESCE(s.units, 0)) OVER (ORDER BY d.day ROWS BETWEEN $2 - 1 PRECEDING AND CURRENT ROW)
               AS rolling_avg
      FROM days d
      LEFT JOIN sales s USING (day)
)
SELECT day, units_sold, rolling_avg
  FROM daily
 WHERE day > $4::date - $2
 ORDER BY day
