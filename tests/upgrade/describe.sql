-- The catalog description of the extension wms in this database, one line
-- per property, sorted: what an upgraded database and a fresh one must have
-- alike. Every member of the extension is listed (pg_describe_object), and
-- in detail: functions (definition with arguments, defaults, result,
-- language, volatility, strictness, parallel safety, security, SET
-- clauses and body or symbol; owner, ACL, COMMENT); relations (kind,
-- persistence, options, row security, access method, tablespace,
-- inheritance, partition bound, owner, ACL, COMMENT); columns in
-- order (type, collation, NOT NULL, default, identity, generated, ACL,
-- COMMENT, storage, compression, statistics target); sequences
-- (and the column that owns each); constraints; indexes; extended
-- statistics; triggers (and their enabled state); rules and policies;
-- views; event triggers; the schema; the privileges pg_dump takes as the
-- extension's (pg_init_privs); the extension's COMMENT; the tables and
-- conditions registered with pg_extension_config_dump.
\pset format unaligned
\pset tuples_only on
\pset footer off
-- Its own comparisons resolve in pg_catalog alone, whatever public holds
-- (tests/upgrade/lookalikes.sql plants operators there).
SET search_path = pg_catalog, pg_temp;
WITH ext AS (
    SELECT e.oid, e.extconfig, e.extcondition FROM pg_catalog.pg_extension e WHERE e.extname = 'wms'
), members AS (
    SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.* FROM pg_catalog.pg_class c
      JOIN members m ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND m.objid = c.oid
), lines(line) AS (
    SELECT 'extension wms version ' || e.extversion || ' relocatable ' || e.extrelocatable
           || ' schema ' || e.extnamespace::pg_catalog.regnamespace || ' owner ' || pg_catalog.pg_get_userbyid(e.extowner)
           || ' comment ' || COALESCE(pg_catalog.obj_description(e.oid, 'pg_extension'), '(none)')
      FROM pg_catalog.pg_extension e WHERE e.extname = 'wms'
    UNION ALL
    -- the privileges pg_dump takes as the extension's own
    SELECT 'initial privileges ' || pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid)
           || ' ' || i.privtype::text || ' ' || i.initprivs::text
      FROM pg_catalog.pg_init_privs i
      JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid
    UNION ALL
    SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, m.objsubid) FROM members m
    UNION ALL
    SELECT 'config dump ' || c.tbl::pg_catalog.regclass || ' condition ' || COALESCE(NULLIF(c.cond, ''), '(all rows)')
      FROM ext, LATERAL ROWS FROM (pg_catalog.unnest(ext.extconfig), pg_catalog.unnest(ext.extcondition)) AS c(tbl, cond)
    UNION ALL
    SELECT 'function ' || p.oid::pg_catalog.regprocedure || ' owner ' || pg_catalog.pg_get_userbyid(p.proowner)
           || ' acl ' || COALESCE(p.proacl::text, '(default)')
           || ' comment ' || COALESCE(pg_catalog.obj_description(p.oid, 'pg_proc'), '(none)')
           || E'\n' || pg_catalog.pg_get_functiondef(p.oid)
      FROM pg_catalog.pg_proc p
      JOIN members m ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND m.objid = p.oid
    UNION ALL
    SELECT 'relation ' || c.oid::pg_catalog.regclass || ' kind ' || c.relkind::text || ' persistence ' || c.relpersistence::text
           || ' options ' || COALESCE(c.reloptions::text, '(none)')
           || ' row security ' || c.relrowsecurity || '/' || c.relforcerowsecurity
           || ' replica identity ' || c.relreplident::text
           || ' access method ' || COALESCE((SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam), '-') || ' tablespace ' || c.reltablespace
           || ' inherits ' || COALESCE((SELECT pg_catalog.string_agg(h.inhparent::pg_catalog.regclass::text, ',' ORDER BY h.inhseqno)
                                          FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.oid), '-')
           || ' partition ' || COALESCE(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '-')
           || ' owner ' || pg_catalog.pg_get_userbyid(c.relowner)
           || ' acl ' || COALESCE(c.relacl::text, '(default)')
           || ' comment ' || COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '(none)')
      FROM rels c
    UNION ALL
    SELECT 'column ' || a.attrelid::pg_catalog.regclass || ' #'
           || pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' || a.attname
           || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::pg_catalog.regcollation ELSE '' END
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || COALESCE(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
           || CASE a.attidentity WHEN '' THEN '' ELSE ' identity ' || a.attidentity::text END
           || CASE a.attgenerated WHEN '' THEN '' ELSE ' generated ' || a.attgenerated::text END
           || ' storage ' || a.attstorage::text || ' compression ' || a.attcompression::text
           || ' statistics ' || a.attstattarget
           || ' acl ' || COALESCE(a.attacl::text, '(default)')
           || ' comment ' || COALESCE(pg_catalog.col_description(a.attrelid, a.attnum), '(none)')
      FROM pg_catalog.pg_attribute a
      JOIN rels c ON c.oid = a.attrelid
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'sequence ' || s.seqrelid::pg_catalog.regclass || ' ' || pg_catalog.format_type(s.seqtypid, NULL)
           || ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin
           || ' max ' || s.seqmax || ' cache ' || s.seqcache || ' cycle ' || s.seqcycle
           || ' owned by ' || COALESCE((SELECT d.refobjid::pg_catalog.regclass || '.' || a.attname
                                          FROM pg_catalog.pg_depend d
                                          JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                         WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.seqrelid
                                           AND d.deptype IN ('a', 'i')), '-')
      FROM pg_catalog.pg_sequence s JOIN rels c ON c.oid = s.seqrelid
    UNION ALL
    SELECT 'constraint ' || r.conrelid::pg_catalog.regclass || ' ' || r.conname || ' ' || pg_catalog.pg_get_constraintdef(r.oid)
           || ' validated ' || r.convalidated
           || ' comment ' || COALESCE(pg_catalog.obj_description(r.oid, 'pg_constraint'), '(none)')
      FROM pg_catalog.pg_constraint r JOIN rels c ON c.oid = r.conrelid
    UNION ALL
    SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
           || ' clustered ' || i.indisclustered || ' replica identity ' || i.indisreplident
           || ' comment ' || COALESCE(pg_catalog.obj_description(i.indexrelid, 'pg_class'), '(none)')
      FROM pg_catalog.pg_index i JOIN rels c ON c.oid = i.indrelid
    UNION ALL
    SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
           || ' comment ' || COALESCE(pg_catalog.obj_description(t.oid, 'pg_trigger'), '(none)')
      FROM pg_catalog.pg_trigger t JOIN rels c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'statistics ' || pg_catalog.pg_get_statisticsobjdef(x.oid)
      FROM pg_catalog.pg_statistic_ext x JOIN rels c ON c.oid = x.stxrelid
    UNION ALL
    SELECT 'rule ' || pg_catalog.pg_get_ruledef(w.oid)
      FROM pg_catalog.pg_rewrite w JOIN rels c ON c.oid = w.ev_class
     WHERE w.rulename <> '_RETURN'
    UNION ALL
    SELECT 'policy ' || p.polrelid::pg_catalog.regclass || ' ' || p.polname || ' ' || p.polcmd::text
           || ' ' || COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')
      FROM pg_catalog.pg_policy p JOIN rels c ON c.oid = p.polrelid
    UNION ALL
    SELECT 'view ' || c.oid::pg_catalog.regclass || E'\n' || pg_catalog.pg_get_viewdef(c.oid)
      FROM rels c WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'event trigger ' || e.evtname || ' on ' || e.evtevent || ' executes ' || e.evtfoid::pg_catalog.regprocedure
           || ' enabled ' || e.evtenabled::text || ' tags ' || COALESCE(e.evttags::text, '(all)')
           || ' owner ' || pg_catalog.pg_get_userbyid(e.evtowner)
           || ' comment ' || COALESCE(pg_catalog.obj_description(e.oid, 'pg_event_trigger'), '(none)')
      FROM pg_catalog.pg_event_trigger e
      JOIN members m ON m.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND m.objid = e.oid
    UNION ALL
    SELECT 'type ' || t.oid::pg_catalog.regtype || ' ' || t.typtype::text
      FROM pg_catalog.pg_type t
      JOIN members m ON m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND m.objid = t.oid
    UNION ALL
    SELECT 'schema ' || n.nspname || ' owner ' || pg_catalog.pg_get_userbyid(n.nspowner)
           || ' acl ' || COALESCE(n.nspacl::text, '(default)')
           || ' comment ' || COALESCE(pg_catalog.obj_description(n.oid, 'pg_namespace'), '(none)')
      FROM pg_catalog.pg_namespace n
      JOIN members m ON m.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND m.objid = n.oid
)
SELECT line FROM lines ORDER BY line COLLATE "C";
