-- CREATE EXTENSION ces SCHEMA analytics works, and schema-qualified calls work
-- when that schema is not on the search_path.
BEGIN;
DROP EXTENSION ces;
CREATE SCHEMA analytics;
CREATE EXTENSION ces SCHEMA analytics;
SET LOCAL search_path = public;
SELECT analytics.ces_score(e, NULL, '{"login":1,"upgraded":50}'::jsonb) AS score,
       analytics.ces_band(145) AS band,
       analytics.ces_band(145, analytics.ces_default_bands()) AS band_custom,
       analytics.ces_normalize(145, 0, 200) AS normalized
FROM (VALUES ('login'), ('upgraded'), ('logout')) v(e);
-- Every object is in analytics, none in public.
SELECT count(*) FILTER (WHERE n.nspname = 'analytics') > 20 AS in_analytics,
       count(*) FILTER (WHERE n.nspname <> 'analytics') AS elsewhere
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname LIKE 'ces\_%';
SELECT analytics.ces_score(e, ts, '{"weights":{"login":1},"half_life":"1 day","as_of":"2026-10-02 00:00+00"}') AS model_score,
       analytics.ces_score(analytics.ces_agg(e, ts, '{"login":1}')) AS summary_score
FROM (VALUES ('login', timestamptz '2026-10-01 00:00+00')) v(e, ts);
ROLLBACK;
SELECT ces_band(1) AS back_in_public;
