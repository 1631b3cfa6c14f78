-- CREATE EXTENSION ces SCHEMA analytics works, and schema-qualified calls work
-- when that schema is not on the search_path.
BEGIN;
DROP EXTENSION ces;
CREATE SCHEMA analytics;
CREATE EXTENSION ces SCHEMA analytics;
SET LOCAL search_path = public;
SELECT analytics.ces_score(e, NULL, '{"login":1,"upgraded":50}') AS score,
       analytics.ces_band(145) AS band,
       analytics.ces_band(145, analytics.ces_default_bands()) AS band_custom,
       analytics.ces_normalize(145, 0, 200) AS normalized
FROM (VALUES ('login'), ('upgraded'), ('logout')) v(e);
SELECT n.nspname, count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname LIKE 'ces\_%' GROUP BY 1;
ROLLBACK;
SELECT ces_band(1) AS back_in_public;
