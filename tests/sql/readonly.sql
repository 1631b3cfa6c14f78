-- Name lookups are read-only (issue 11): resolving a model name assigns no transaction ID, so
-- it works in READ ONLY transactions, in parallel workers and on a hot standby. Runs last: the
-- model it publishes stays in the registry.
SELECT ces_define_model('readonly_check', '{"login":1,"upgraded":50}') AS version;
BEGIN READ ONLY;
SELECT 'readonly_check'::text::ces_model::text AS model;
SELECT ces_score(e, ts, 'readonly_check') AS score
FROM (VALUES ('login', timestamptz '2026-01-01 00:00+00'), ('upgraded', '2026-01-02 00:00+00')) v(e, ts);
-- The function form and the as_of argument (issue 11: named models at constant speed).
SELECT ces_model('readonly_check'::text)::text AS by_function,
       ces_score(e, ts, ces_model('readonly_check'::text), timestamptz '2026-01-01 12:00+00') AS score_at
FROM (VALUES ('login', timestamptz '2026-01-01 00:00+00'), ('upgraded', '2026-01-02 00:00+00')) v(e, ts);
SELECT txid_current_if_assigned() IS NULL AS no_xid;
COMMIT;
-- A per-row model name under a forced parallel plan (it failed with "cannot assign XIDs during
-- a parallel operation").
CREATE TABLE readonly_events AS
SELECT i % 100 AS account, (ARRAY['login','upgraded'])[1 + i % 2] AS event,
       timestamptz '2026-01-01 00:00+00' + i * interval '1 minute' AS ts, 'readonly_check'::text AS model_name
FROM generate_series(1, 20000) i;
ANALYZE readonly_events;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_has('SELECT ces_score(event, ts, model_name::ces_model) FROM readonly_events', 'Partial Aggregate') AS parallel;
SELECT ces_score(event, ts, model_name::ces_model) AS parallel_score FROM readonly_events;
SELECT plan_has($$SELECT ces_score(event, ts, ces_model('readonly_check'::text), ts) FROM readonly_events$$, 'Partial Aggregate') AS parallel_named;
SELECT ces_score(event, ts, ces_model('readonly_check'::text)) AS parallel_named_score,
       ces_score(event, ts, ces_model(model_name), timestamptz '2026-01-10 00:00+00') AS parallel_as_of_score FROM readonly_events;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT ces_score(event, ts, model_name::ces_model) AS serial_score FROM readonly_events;
DROP TABLE readonly_events;
