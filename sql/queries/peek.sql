-- After peek_row.sql: the inventory rows of the items whose products are
-- $1 and warehouses $2 (arrays of one length), those that exist.
  FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::bigint[])) AS l(product_id, warehouse_id)
  JOIN wms.inventory i ON i.product_id = l.product_id AND i.warehouse_id = l.warehouse_id
