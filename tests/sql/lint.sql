-- The SQL lint: plpgsql_check checks every plpgsql function of the extension (errors, other
-- and extra warnings, and security warnings such as SQL injection through dynamic SQL). The
-- registry's trigger function is checked against its table. No row is the pass. Not in
-- tests/schedule: scripts/test.sh runs it on PostgreSQL 15, where plpgsql_check is packaged.
BEGIN;
CREATE EXTENSION plpgsql_check;
SELECT count(*) AS plpgsql_functions
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'ces'
WHERE p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql');
SELECT p.oid::regprocedure AS function, c.lineno, c.level, c.sqlstate, c.message, c.detail, c.query, c.position
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'ces'
CROSS JOIN LATERAL plpgsql_check_function_tb(
    p.oid,
    relid => CASE WHEN p.prorettype = 'pg_catalog.trigger'::regtype THEN 'ces_model_registry'::regclass ELSE 0 END,
    performance_warnings => false, extra_warnings => true, security_warnings => true) c
WHERE p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql')
ORDER BY 1, 2;
ROLLBACK;
