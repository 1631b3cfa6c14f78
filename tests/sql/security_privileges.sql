-- The privilege model (README "Privileges"): a database owner who is not a superuser installs
-- ces and can use and grant all of it; the README's GRANT recipes, run as written, give an
-- analyst role publishing, snapshots, backfills and views, and a BI role reading; publishing
-- goes through ces_define_model only; internal functions are not for PUBLIC.
SET client_min_messages = warning;
SELECT current_database() AS regress_db \gset
DROP DATABASE IF EXISTS ces_priv;
DROP ROLE IF EXISTS ces_owner;
DROP ROLE IF EXISTS ces_analyst;
DROP ROLE IF EXISTS ces_bi;
CREATE ROLE ces_owner LOGIN;
CREATE ROLE ces_analyst LOGIN;
CREATE ROLE ces_bi LOGIN;
CREATE DATABASE ces_priv OWNER ces_owner;
\c ces_priv
SET client_min_messages = warning;
\set VERBOSITY terse
SET ROLE ces_owner;
CREATE EXTENSION ces;
SELECT r.rolname AS extension_owner FROM pg_extension x JOIN pg_roles r ON r.oid = x.extowner WHERE x.extname = 'ces';
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/helpers.sql
CREATE TABLE events AS
SELECT 'a' || (i % 4) AS account, (ARRAY['login', 'upgraded', 'ticket'])[1 + i % 3] AS event,
       timestamptz '2026-11-01 00:00+00' + i * interval '5 hours' AS ts
FROM generate_series(1, 100) i;
ANALYZE events;
CREATE TABLE pub_ev AS
SELECT 'a' || (i % 50) AS account, (ARRAY['login', 'upgraded', 'ticket'])[1 + i % 3] AS event,
       timestamptz '2026-11-01 00:00+00' + i * interval '1 minute' AS ts
FROM generate_series(1, 20000) i;
ANALYZE pub_ev;
GRANT SELECT ON pub_ev TO ces_bi;

-- The owner uses everything.
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"ticket":-5}', lookback => '30 days')) AS owner_publishes;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00') AS owner_snapshots;
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-10 00:00+00', '2026-11-20 00:00+00') AS owner_backfills;
SELECT ces_create_score_view('owner_scores', 'events', 'account', 'event', 'ts', 'health');
SELECT count(*) AS owner_reads FROM owner_scores;
-- ... but writes no registry row directly, not even as the extension's owner.
SELECT expect_error($$INSERT INTO ces_model_registry (name, version, model, created_by) VALUES ('health', 2147483647, '{"a":1}', 'postgres')$$) AS forge;
SELECT expect_error($$UPDATE ces_model_registry SET note = 'x'$$) AS rewrite;
SELECT expect_error($$DELETE FROM ces_model_registry$$) AS erase;

-- The README's recipes, as written there.
CREATE SCHEMA bi;
-- Analysts: publish models, write score history (snapshots and backfills), create score views.
GRANT EXECUTE ON FUNCTION ces_define_model(text, ces_model, text) TO ces_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON ces_score_history TO ces_analyst;
GRANT EXECUTE ON FUNCTION ces_history(text, timestamptz, ces_model, timestamptz, bigint, integer, bigint) TO ces_analyst;
GRANT SELECT ON events TO ces_analyst;
GRANT USAGE, CREATE ON SCHEMA bi TO ces_analyst;
-- BI tools: read the history and the views made for them.
GRANT SELECT ON ces_score_history TO ces_bi;
GRANT USAGE ON SCHEMA bi TO ces_bi;
RESET ROLE;

SET ROLE ces_analyst;
SELECT ces_define_model('health', ces_model('{"login":2,"upgraded":50,"ticket":-5}', lookback => '30 days')) AS analyst_publishes;
SELECT name, version, created_by FROM ces_models ORDER BY version;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00') AS analyst_snapshots;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00') AS again_replaces;
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-10 00:00+00', '2026-11-20 00:00+00') AS analyst_backfills;
SELECT ces_create_score_view('bi.health_scores', 'events', 'account', 'event', 'ts', 'health');
GRANT SELECT ON bi.health_scores TO ces_bi;
SELECT expect_error($$INSERT INTO ces_model_registry (name, version, model, created_by) VALUES ('health', 2147483647, '{"a":1}', 'ces_owner')$$) AS forge;
SELECT count(*) AS engine_granted FROM (SELECT account, ces_history(event, ts, ces_model('health', 2), '2026-11-20 00:00+00', 86400000000, 1, 0)
                                        FROM events GROUP BY account) x;
RESET ROLE;

SET ROLE ces_bi;
SELECT model, model_version, count(*) AS rows FROM ces_score_history GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS bi_reads_view FROM bi.health_scores;
SELECT count(*) AS models FROM ces_models;
SELECT ces_model('health') IS NOT NULL AS reads_models, 'health'::ces_model IS NOT NULL AS by_name;
SELECT count(*) AS drops FROM ces_drops('health', '2026-11-20 00:00+00', lookback => '10 days', min_drop_pct => 0);
SELECT count(*) AS transitions FROM ces_band_transitions('health', '2026-11-10 00:00+00', '2026-11-20 00:00+00');
-- ... and nothing else.
SELECT expect_error($$SELECT ces_define_model('health', '{"a":1}')$$) AS publish;
SELECT expect_error($$SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-21 00:00+00')$$) AS snapshot;
SELECT expect_error($$DELETE FROM ces_score_history$$) AS erase_history;
SELECT expect_error($$INSERT INTO ces_model_registry (name, version, model) VALUES ('x', 1, '{"a":1}')$$) AS forge;
SELECT expect_error($$SELECT ces_history(e, now(), ces_model('health'), now(), 1, 1, 1) FROM (VALUES ('a')) v(e)$$) AS engine;
-- Support functions are the aggregates' own (each aggregate checks them against its owner).
-- (A call cannot show it: no SQL value of type internal exists, and PostgreSQL 15, 16 and 18
-- refuse the argument with different errors before the privilege check.)
SELECT has_function_privilege('ces_state_serialize(internal)', 'EXECUTE') AS may_call_support_function;
SELECT expect_error($$SELECT ces_score_trans(0, 'login', now(), '{"login":1}')$$) AS support_function;
-- Every aggregate still works for a role with no grants: plain, grouped, window and parallel.
SELECT round(ces_score(event, ts, '{"login":1}'::jsonb)::numeric, 3) AS jsonb_form,
       round(ces_score(event, ts, ces_model('{"login":1}', half_life => '7 days', as_of => '2026-11-20 00:00+00'))::numeric, 3) AS model_form,
       ces_event_count(ces_agg(event, ts, '{"login":1}'::jsonb)) AS agg
FROM pub_ev;
SELECT round(ces_score(ces_rollup(s))::numeric, 3) AS rollup
FROM (SELECT ces_agg(event, ts, '{"login":1}'::jsonb) AS s FROM pub_ev GROUP BY account) x;
SELECT round(ces_auc(score, account LIKE 'a1%')::numeric, 3) AS auc, ces_lift(score, account LIKE 'a1%') IS NOT NULL AS lift,
       ces_lift(score, account LIKE 'a1%', ces_default_bands()) IS NOT NULL AS lift_bands
FROM (SELECT account, ces_score(event, ts, '{"login":1,"upgraded":2}'::jsonb) AS score FROM pub_ev GROUP BY account) x;
SELECT count(*) AS window_rows, round(max(m)::numeric, 3) AS max_moving, round(max(w)::numeric, 3) AS max_moving_model
FROM (SELECT ces_score(event, ts, '{"login":1}'::jsonb) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '1 hour' PRECEDING AND CURRENT ROW) AS m,
             ces_score(event, ts, ces_model('{"login":1}', half_life => '7 days', as_of => '2026-11-20 00:00+00'))
                 OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '1 hour' PRECEDING AND CURRENT ROW) AS w
      FROM pub_ev) x;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT account, ces_score(event, ts, '{"login":1}'::jsonb), ces_agg(event, ts, '{"login":1}'::jsonb)
                  FROM pub_ev GROUP BY account$q$, 'Partial') AS parallel_plan;
SELECT round(ces_score(event, ts, '{"login":1}'::jsonb)::numeric, 3) AS jsonb_form,
       round(ces_score(event, ts, ces_model('{"login":1}', half_life => '7 days', as_of => '2026-11-20 00:00+00'))::numeric, 3) AS model_form,
       ces_event_count(ces_agg(event, ts, '{"login":1}'::jsonb)) AS agg
FROM pub_ev;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET ROLE;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE ces_priv;
DROP ROLE ces_owner;
DROP ROLE ces_analyst;
DROP ROLE ces_bi;
