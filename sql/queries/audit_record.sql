-- One catalogue, policy or grant change: by role $1 for end user $2 in
-- request $3, action $4 on object $5 $6, from $7 to $8.
INSERT INTO wms.audit_log (db_role, end_user, request_id, action, object_type, object_id, old_value, new_value)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
