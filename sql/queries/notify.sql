SELECT pg_catalog.pg_notify('wms_stock', payload) FROM pg_catalog.unnest($1::text[]) AS payload
