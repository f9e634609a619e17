SELECT extowner FROM pg_catalog.pg_extension WHERE extname = $1
