-- One source of truth for the C functions: every LANGUAGE c function of the extension is
-- declared in sql/ exactly as the Rust side records it (src/v1.rs, the v1! macro): name,
-- argument types, return type, volatility, strictness and parallel safety. Functions that
-- pgrx declares itself (#[pg_extern], symbols ending in _wrapper) are generated from their
-- Rust signature and are left out. One symbol may serve several declarations (each is
-- recorded). Any row below is a drift: a declaration on one side only.
BEGIN;
CREATE FUNCTION pg_temp.ces_v1_signatures() RETURNS text LANGUAGE c AS '$libdir/ces', 'ces_v1_signatures';
CREATE TEMP VIEW rust_side AS
SELECT split_part(l, E'\t', 1) AS symbol, split_part(l, E'\t', 2) AS declaration
FROM regexp_split_to_table(pg_temp.ces_v1_signatures(), E'\n') AS l;
CREATE TEMP VIEW sql_side AS
SELECT p.prosrc AS symbol,
       format('%s(%s) RETURNS %s %s%s PARALLEL %s', p.proname, pg_catalog.oidvectortypes(p.proargtypes),
              pg_catalog.format_type(p.prorettype, NULL),
              CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
              CASE WHEN p.proisstrict THEN ' STRICT' ELSE '' END,
              CASE p.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' ELSE 'UNSAFE' END) AS declaration
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'ces'
WHERE p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c')
  AND p.prosrc NOT LIKE '%\_wrapper';
SELECT count(*) AS c_functions_checked FROM sql_side;
SELECT coalesce(r.symbol, s.symbol) AS symbol, r.declaration AS rust_expects, s.declaration AS sql_declares
FROM rust_side r FULL JOIN sql_side s ON r.symbol = s.symbol AND r.declaration = s.declaration
WHERE r.symbol IS NULL OR s.symbol IS NULL
ORDER BY 1, 2, 3;
-- The check catches a drift: a function declared with other attributes is reported.
ALTER FUNCTION ces_depth(ces_summary) VOLATILE;
SELECT coalesce(r.symbol, s.symbol) AS symbol, r.declaration AS rust_expects, s.declaration AS sql_declares
FROM rust_side r FULL JOIN sql_side s ON r.symbol = s.symbol AND r.declaration = s.declaration
WHERE r.symbol IS NULL OR s.symbol IS NULL
ORDER BY 1, 2, 3;
ROLLBACK;
