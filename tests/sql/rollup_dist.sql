-- ces_rollup_dist: ces_rollup with a ces_summary state (what Citus can split into worker
-- partials). It gives ces_rollup's summary, its combine function is its state function, and
-- ces_summary_merge merges two summaries directly.
CREATE TEMP TABLE rd_events AS
SELECT a % 50 AS account, (ARRAY['free','pro','enterprise'])[1 + a % 3] AS plan,
       (ARRAY['login','project_added','upgraded','support_ticket','other'])[1 + (a * 7) % 5] AS event,
       timestamptz '2026-09-01 00:00+00' + (a * 3001 % 2592000) * interval '1 second' AS ts
FROM generate_series(1, 5000) a;
-- A plain table (parallel workers cannot read temporary ones); dropped at the end.
CREATE TABLE rd_daily AS
SELECT account, plan, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model('{"login":1,"project_added":5,"upgraded":50,"support_ticket":-3}',
                                    half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM rd_events GROUP BY 1, 2, 3;
-- The same summary as ces_rollup, per account and per plan (summaries of many as_of).
SELECT count(*) AS accounts, bool_and(a = b) AS same_summary
FROM (SELECT ces_rollup(summary)::text a, ces_rollup_dist(summary)::text b FROM rd_daily GROUP BY account) x;
SELECT plan, ces_event_count(s) AS events, round(ces_score(s)::numeric, 6) AS score, s::text = r::text AS same_summary
FROM (SELECT plan, ces_rollup_dist(summary) s, ces_rollup(summary) r FROM rd_daily GROUP BY plan) x ORDER BY plan;
-- Its text form round-trips (partial states travel between Citus nodes as text).
SELECT bool_and(s::text::ces_summary::text = s::text) AS round_trips
FROM (SELECT ces_rollup_dist(summary) s FROM rd_daily GROUP BY plan) x;
-- Forced parallel plan: partial states combined by ces_summary_merge.
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE rd_daily SET (parallel_workers = 2);
SELECT plan_has('SELECT ces_rollup_dist(summary) FROM rd_daily', 'Partial Aggregate') AS partial;
-- Workers merge in an order that varies from run to run, and float addition is not
-- associative: the same counts, and scores equal to 1e-12 relative.
SELECT ces_event_count(d) = ces_event_count(r) AND abs(ces_score(d) - ces_score(r)) <= 1e-12 * abs(ces_score(r)) AS parallel_same
FROM (SELECT ces_rollup_dist(summary) d FROM rd_daily) a, (SELECT ces_rollup(summary) r FROM rd_daily) b;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- NULLs are skipped; no rows give NULL, like ces_rollup.
SELECT ces_rollup_dist(s) IS NULL AS empty_is_null FROM (SELECT NULL::ces_summary s WHERE false) x;
SELECT ces_event_count(ces_rollup_dist(s)) AS skips_nulls
FROM (SELECT summary s FROM rd_daily UNION ALL SELECT NULL) x;
-- ces_summary_merge on two values.
SELECT ces_event_count(ces_summary_merge(a, b)) AS merged_events,
       ces_summary_merge(a, b)::text = ab::text AS same_as_one_pass
FROM (SELECT ces_agg(event, ts, '{"login":1}') FILTER (WHERE account = 1) a,
             ces_agg(event, ts, '{"login":1}') FILTER (WHERE account = 2) b,
             ces_agg(event, ts, '{"login":1}') FILTER (WHERE account IN (1, 2)) ab
      FROM rd_events) x;
-- Summaries of different models do not merge.
SELECT expect_error($$SELECT ces_rollup_dist(s)
                      FROM (SELECT ces_agg('login', now(), '{"login":1}'::ces_model) s
                            UNION ALL SELECT ces_agg('login', now(), '{"login":2}'::ces_model)) v$$);
-- Under a lookback, exact or an error, like ces_rollup. Its state is one summary, so it
-- cannot keep inputs apart the way ces_rollup does: roll up the days inside the window
-- (day >= as_of - lookback, the README's daily recipe), which equals the raw 10-day score.
CREATE TABLE rd_daily_lb AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model('{"login":1,"project_added":5,"upgraded":50,"support_ticket":-3}',
                                    lookback => '10 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM rd_events GROUP BY 1, 2;
CREATE TEMP TABLE rd_asof AS SELECT account, max(day) + interval '1 day' AS as_of FROM rd_daily_lb GROUP BY account;
SELECT count(*) AS accounts,
       bool_and(d.s = r.s) AS dist_equals_raw, bool_and(d.s = c.s) AS dist_equals_rollup
FROM (SELECT account, ces_score(ces_rollup_dist(summary)) s FROM rd_daily_lb JOIN rd_asof USING (account)
      WHERE day >= as_of - interval '10 days' GROUP BY account) d
JOIN (SELECT account, ces_score(ces_rollup(summary)) s FROM rd_daily_lb GROUP BY account) c USING (account)
JOIN (SELECT e.account, ces_score(e.event, e.ts, ces_model('{"login":1,"project_added":5,"upgraded":50,"support_ticket":-3}',
                                    lookback => '10 days', as_of => l.as_of)) s
      FROM rd_events e JOIN rd_asof l USING (account) GROUP BY e.account) r USING (account);
-- Unfiltered, merging two days that end up on both sides of the window start raises 22023
-- (ces_rollup keeps them apart and drops the old one); never a silently wrong score.
SELECT expect_error($$SELECT ces_summary_merge(a, b) FROM
    (SELECT ces_agg(e, ts, ces_model('{"login":1}', lookback => '10 days', as_of => '2026-09-20 00:00+00')) a
     FROM (VALUES ('login', timestamptz '2026-09-12 00:00+00'), ('login', '2026-09-19 00:00+00')) v(e, ts)) x,
    (SELECT ces_agg('login', timestamptz '2026-09-25 00:00+00', ces_model('{"login":1}', lookback => '10 days', as_of => '2026-09-25 00:00+00')) b) y$$);
-- An input wholly before the window at the later as_of is skipped.
SELECT ces_event_count(ces_summary_merge(a, b)) AS events, ces_score(ces_summary_merge(a, b)) AS score FROM
    (SELECT ces_agg('login', timestamptz '2026-09-01 00:00+00', ces_model('{"login":1}', lookback => '10 days', as_of => '2026-09-02 00:00+00')) a) x,
    (SELECT ces_agg('login', timestamptz '2026-09-25 00:00+00', ces_model('{"login":1}', lookback => '10 days', as_of => '2026-09-25 00:00+00')) b) y;
DROP TABLE rd_daily_lb;
DROP TABLE rd_daily;
