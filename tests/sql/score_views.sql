-- Score views that BI tools can live with: they follow the model, run again, refresh
-- concurrently, list every account and sort bands by rank; history sees quiet accounts.
SET timezone = 'UTC';
BEGIN;
CREATE TABLE sv_events (account_id bigint, kind text, happened_at timestamptz);
INSERT INTO sv_events
SELECT a, (ARRAY['login', 'project_added', 'upgraded', 'support_ticket'])[1 + (a + d) % 4],
       timestamptz '2026-10-01 00:00+00' + d * interval '1 day'
FROM generate_series(1, 6) a, generate_series(0, 20) d
WHERE (a + d) % 3 <> 0;
-- Accounts 7 and 8 have no events; the accounts table names its column differently and
-- uses another integer type.
CREATE TABLE sv_accounts (id integer PRIMARY KEY, plan text);
INSERT INTO sv_accounts SELECT a, CASE WHEN a % 2 = 0 THEN 'pro' ELSE 'free' END FROM generate_series(1, 8) a;
SELECT ces_define_model('sv', ces_model('{"login":1,"project_added":5,"upgraded":20,"support_ticket":-3}',
                                        lookback => '30 days', as_of => '2026-10-22 00:00+00')) AS v1;

-- ces_band_rank: 1 = the lowest band, under the default scheme or a custom one; NULL for NULL.
SELECT s, ces_band(s) AS band, ces_band_rank(s) AS band_rank
FROM unnest(ARRAY[-5, 0, 40, 40.5, 70, 100, 101]::float8[]) s;
SELECT ces_band_rank(NULL) AS null_score, ces_band_rank(NULL, ces_default_bands()) AS null_score_custom,
       ces_band_rank(1, NULL) AS null_bands;
SELECT s, ces_band(s, b) AS band, ces_band_rank(s, b) AS band_rank
FROM unnest(ARRAY[-1, 10, 11, 1e6]::float8[]) s,
     (SELECT '[{"name":"at risk","upto":10},{"name":"healthy"}]'::jsonb AS b) x;
SELECT expect_error($$SELECT ces_band_rank(1, '[{"name":"a","upto":10}]')$$);
SELECT expect_error($$SELECT ces_band_rank('NaN')$$);
SELECT expect_error($$SELECT ces_band_rank('NaN', ces_default_bands())$$);
-- The rank is the position of ces_band's band in the scheme (plain SQL), at, just below and
-- just above every bound of two schemes, with the scheme per row (so parsed per value).
SELECT count(*) AS scores,
       count(*) FILTER (WHERE ces_band_rank(s, b) = (SELECT e.ord FROM jsonb_array_elements(b) WITH ORDINALITY e(v, ord)
                                                     WHERE e.v ->> 'name' = ces_band(s, b))) AS rank_is_position,
       count(*) FILTER (WHERE b = ces_default_bands() AND ces_band_rank(s) = ces_band_rank(s, b)) AS default_scheme_agrees
FROM (VALUES (ces_default_bands()), ('[{"name":"a","below":0},{"name":"b","upto":10},{"name":"c","below":50},{"name":"d"}]'::jsonb)) v(b),
     generate_series(-20, 120) s0, unnest(ARRAY[s0 - 0.5, s0::float8, s0 + 0.5]) s;
SELECT p.oid::regprocedure, p.provolatile, l.lanname, p.proconfig
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = 'ces_band_rank' ORDER BY 1::text;

-- A view follows the latest version; the columns have plain types.
SELECT ces_create_score_view('sv_scores', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv');
SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sv_scores' ORDER BY ordinal_position;
SELECT account, round(score::numeric, 2) AS score, band, band_rank, events, depth, model, model_version, as_of
FROM sv_scores ORDER BY account;
-- The score equals the aggregate under the constant model.
SELECT bool_and(v.score = c.score) AS equal_to_constant_model, count(*) AS accounts
FROM sv_scores v JOIN (SELECT account_id AS account,
                              ces_score(kind, happened_at, ces_model_at(ces_model('sv'), '2026-10-22 00:00+00')) AS score
                       FROM sv_events GROUP BY account_id) c USING (account);
-- The model is resolved once per query (an InitPlan, $0), and every row gets its value: the
-- aggregate's model argument is no per-row ces_model_at. (PostgreSQL 16+ names the
-- InitPlan's value (InitPlan 1).col1 where 15 says $0.)
SELECT plan_has('SELECT sum(score) FROM sv_scores', 'InitPlan 1') AS initplan,
       plan_has('SELECT sum(score) FROM sv_scores', 'ces_agg(e.kind, e.happened_at, $0)')
       OR plan_has('SELECT sum(score) FROM sv_scores', 'ces_agg(e.kind, e.happened_at, (InitPlan 1).col1)') AS model_once;
-- Under a parallel plan (the workers receive the model as a parameter when they aggregate): same scores.
SAVEPOINT parallel;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
SELECT plan_has('SELECT sum(score) FROM sv_scores', 'Parallel Seq Scan on public.sv_events') AS parallel_scan;
SELECT round(sum(score)::numeric, 6) AS parallel_sum FROM sv_scores;
ROLLBACK TO SAVEPOINT parallel;
SELECT round(sum(score)::numeric, 6) AS serial_sum FROM sv_scores;
-- A pinned version; then publish version 2 (upgrades count double): the default view follows it.
SELECT ces_create_score_view('sv_scores_v1', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', version => 1);
SELECT ces_define_model('sv', ces_model('{"login":1,"project_added":5,"upgraded":40,"support_ticket":-3}',
                                        lookback => '30 days', as_of => '2026-10-22 00:00+00')) AS v2;
SELECT f.account, f.model_version AS follows, round(f.score::numeric, 2) AS score,
       p.model_version AS pinned, round(p.score::numeric, 2) AS pinned_score
FROM sv_scores f JOIN sv_scores_v1 p USING (account) ORDER BY account;
SELECT expect_error($$SELECT ces_create_score_view('sv_x', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', version => 9)$$);

-- Running it again replaces the view in place (grants and dependent views stay).
CREATE VIEW sv_dependent AS SELECT account, band_rank FROM sv_scores;
GRANT SELECT ON sv_scores TO PUBLIC;
SELECT ces_create_score_view('sv_scores', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', version => 1);
SELECT ces_create_score_view('sv_scores', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv');
SELECT count(*) AS rows, max(model_version) AS version FROM sv_dependent JOIN sv_scores USING (account, band_rank);
SELECT has_table_privilege('public', 'sv_scores', 'SELECT') AS public_still_reads;
SELECT obj_description('sv_scores'::regclass, 'pg_class') AS marker;
-- Turning it into a materialized view drops and creates it: refused while a view depends on it.
SELECT expect_error($$SELECT ces_create_score_view('sv_scores', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', materialized => true)$$);
DROP VIEW sv_dependent;
SELECT ces_create_score_view('sv_scores', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', materialized => true);
SELECT relkind, has_table_privilege('public', 'sv_scores', 'SELECT') AS public_still_reads FROM pg_class WHERE oid = 'sv_scores'::regclass;

-- Never an object it did not make: 42P07, and the object is unchanged.
CREATE TABLE sv_table (account bigint);
CREATE VIEW sv_view AS SELECT 1 AS one;
SELECT expect_error($$SELECT ces_create_score_view('sv_table', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv')$$);
SELECT expect_error($$SELECT ces_create_score_view('sv_view', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv')$$);
COMMENT ON VIEW sv_scores_v1 IS 'mine now';
SELECT expect_error($$SELECT ces_create_score_view('sv_scores_v1', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv')$$);
SELECT relkind, (SELECT count(*) FROM sv_view) AS sv_view_rows FROM pg_class WHERE oid = 'sv_table'::regclass;

-- Materialized: a unique index on the account, so REFRESH ... CONCURRENTLY works, and a
-- refresh picks up a newly published version.
SELECT ces_create_score_view('sv_mv', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', materialized => true);
SELECT indexdef FROM pg_indexes WHERE tablename = 'sv_mv';
SELECT ces_define_model('sv', ces_model('{"login":2,"project_added":5,"upgraded":40,"support_ticket":-3}',
                                        lookback => '30 days', as_of => '2026-10-22 00:00+00')) AS v3;
SELECT max(model_version) AS before_refresh FROM sv_mv;
REFRESH MATERIALIZED VIEW CONCURRENTLY sv_mv;
SELECT max(model_version) AS after_refresh, count(*) AS accounts FROM sv_mv;
SELECT ces_create_score_view('sv_mv', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', materialized => true);
REFRESH MATERIALIZED VIEW CONCURRENTLY sv_mv;
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename = 'sv_mv';

-- Every account: accounts without events score 0, in the band of 0, with 0 events and no last_seen.
SELECT ces_create_score_view('sv_all', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv',
                             accounts => 'sv_accounts', accounts_column => 'id', materialized => true);
SELECT account, round(score::numeric, 2) AS score, band, band_rank, events, depth, last_seen IS NULL AS never_seen
FROM sv_all ORDER BY account;
SELECT pg_typeof(account) FROM sv_all LIMIT 1;
REFRESH MATERIALIZED VIEW CONCURRENTLY sv_all;
-- Bands in order of meaning, as a BI tool would sort them.
SELECT band_rank, band, count(*) FROM sv_all GROUP BY band_rank, band ORDER BY band_rank;
-- The same column name needs no accounts_column.
CREATE TABLE sv_accounts2 (account_id bigint);
INSERT INTO sv_accounts2 VALUES (1), (9), (9), (NULL);  -- NULL is no account
SELECT ces_create_score_view('sv_all2', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', accounts => 'sv_accounts2');
SELECT account, score, band, events, last_seen FROM sv_all2 WHERE account = 9 OR account IS NULL;
SELECT count(*) AS accounts FROM sv_all2;
SELECT expect_error($$SELECT ces_create_score_view('sv_bad', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', accounts => 'sv_accounts')$$);
SELECT expect_error($$SELECT ces_create_score_view('sv_bad', 'sv_events', 'account_id', 'kind', 'happened_at', 'sv', accounts_column => 'id')$$);

-- Snapshots and backfills with accounts: quiet accounts get score 0 rows (band of 0).
SELECT ces_snapshot('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-22 00:00+00') AS without_accounts;
SELECT ces_snapshot('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-22 00:00+00',
                    accounts => 'sv_accounts', accounts_column => 'id') AS with_accounts;
SELECT account, round(score::numeric, 2) AS score, band FROM ces_score_history
WHERE model = 'sv' AND as_of = '2026-10-22 00:00+00' ORDER BY account;
-- Before the first event every account is quiet: 8 rows of 0 at 2026-09-30.
SELECT ces_backfill('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-09-30 00:00+00', '2026-10-22 00:00+00',
                    accounts => 'sv_accounts', accounts_column => 'id') AS rows;
SELECT to_char(as_of, 'YYYY-MM-DD') AS day, count(*) AS accounts, count(*) FILTER (WHERE score = 0) AS zero,
       count(*) FILTER (WHERE band = ces_band(0)) AS band_of_0
FROM ces_score_history WHERE model = 'sv' AND as_of IN ('2026-09-30 00:00+00', '2026-10-22 00:00+00') GROUP BY as_of ORDER BY as_of;
-- The backfilled date equals the snapshot with accounts.
CREATE TEMP TABLE sv_backfilled AS SELECT * FROM ces_score_history WHERE model = 'sv' AND as_of = '2026-10-22 00:00+00';
SELECT ces_snapshot('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-22 00:00+00',
                    accounts => 'sv_accounts', accounts_column => 'id') AS snapshot_again;
SELECT count(*) AS rows, count(*) FILTER (WHERE abs(b.score - s.score) <= 1e-9 * greatest(abs(s.score), 1) AND b.band = s.band) AS equal
FROM sv_backfilled b FULL JOIN (SELECT * FROM ces_score_history WHERE model = 'sv' AND as_of = '2026-10-22 00:00+00') s
  USING (model, model_version, account, as_of);
-- Quiet accounts now show up as drops and transitions.
SELECT * FROM ces_band_transitions('sv', '2026-09-30 00:00+00', '2026-10-22 00:00+00');
SELECT expect_error($$SELECT ces_snapshot('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-22 00:00+00', accounts => 'sv_accounts')$$);
SELECT expect_error($$SELECT ces_snapshot('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-22 00:00+00', accounts_column => 'id')$$);
SELECT expect_error($$SELECT ces_backfill('sv', 'sv_events', 'account_id', 'kind', 'happened_at', '2026-10-20 00:00+00', '2026-10-22 00:00+00', accounts_column => 'id')$$);
ROLLBACK;
