-- Installing and removing the extension. wms reads text as UTF-8 and
-- refuses to install in a database of another encoding (0A000), SQL_ASCII
-- included. In a UTF8 database it installs, its DDL guard lets DROP
-- EXTENSION remove it, and it installs again.
\set VERBOSITY terse
CREATE DATABASE wms_regress_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE wms_regress_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c wms_regress_latin1
CREATE EXTENSION wms CASCADE;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS wms_extensions FROM pg_extension WHERE extname = 'wms';
\c wms_regress_ascii
CREATE EXTENSION wms CASCADE;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS wms_extensions FROM pg_extension WHERE extname = 'wms';
CREATE DATABASE wms_regress_utf8 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c wms_regress_utf8
CREATE EXTENSION wms CASCADE;
DROP EXTENSION wms;
SELECT count(*) AS wms_objects FROM pg_namespace WHERE nspname = 'wms';
CREATE EXTENSION wms CASCADE;
SELECT count(*) AS problems FROM wms_verify();
\c wms_regress
DROP DATABASE wms_regress_utf8;
DROP DATABASE wms_regress_latin1;
DROP DATABASE wms_regress_ascii;
