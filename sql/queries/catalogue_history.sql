-- Whether an inventory row of product $1, or of warehouse $2, has ledger
-- rows, and whether one has order lines.
SELECT EXISTS (SELECT 1 FROM wms.inventory i
                 JOIN wms.stock_movements m ON m.product_id = i.product_id AND m.warehouse_id = i.warehouse_id
                WHERE i.product_id = $1 OR i.warehouse_id = $2),
       EXISTS (SELECT 1 FROM wms.inventory i
                 JOIN wms.order_items oi ON oi.product_id = i.product_id AND oi.warehouse_id = i.warehouse_id
                WHERE i.product_id = $1 OR i.warehouse_id = $2)
