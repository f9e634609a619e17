-- One notification on channel $1 per payload of $2, delivered at commit.
SELECT pg_catalog.pg_notify($1, payload) FROM pg_catalog.unnest($2::text[]) AS payload
