-- wms_products($1 an ILIKE pattern, or NULL for every product; $2 the
-- product_id the previous page ended at, or NULL; $3 page size; $4 the
-- warehouses the caller may see, NULL for all): products whose SKU or name
-- matches, by product_id, with their stock summed over those warehouses. The pattern is matched through the trigram indexes of
-- both columns; the page is chosen first, its stock read after; pages
-- continue after a key, no OFFSET.
SELECT p.product_id, p.sku, p.name, COALESCE(s.on_hand, 0), COALESCE(s.available, 0)
  FROM (SELECT product_id, sku, name FROM wms.products
         WHERE ($1::text IS NULL OR sku OPERATOR(pg_catalog.~~*) $1 OR name OPERATOR(pg_catalog.~~*) $1)
           AND ($2::bigint IS NULL OR product_id > $2)
         ORDER BY product_id
         LIMIT $3) p
  LEFT JOIN LATERAL (
       SELECT pg_catalog.sum(a.on_hand) AS on_hand, pg_catalog.sum(a.available) AS available
         FROM wms.available_to_sell a
        WHERE a.product_id = p.product_id
          AND ($4::bigint[] IS NULL OR a.warehouse_id = ANY ($4))) s ON true
 ORDER BY p.product_id
