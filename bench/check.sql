-- Correctness of every benchmark query against its plain-SQL counterpart (quick mode, CI).
\set asof '''2026-10-01 00:00+00'''
SET jit = off;
SELECT 'jsonb equals sum(CASE)' AS check, (
  SELECT bool_and(a.s = b.s) FROM
    (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM events_random GROUP BY 1) a
    JOIN (SELECT account, :case_expr s FROM events_random GROUP BY 1) b USING (account)) AS ok
UNION ALL
SELECT 'decay model equals hand-written decay', (
  SELECT bool_and(abs(a.s - coalesce(b.s, 0)) <= 1e-9 * greatest(abs(a.s), 1)) FROM
    (SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof)) s
     FROM events_random GROUP BY 1) a
    LEFT JOIN (SELECT account, :decay_expr s FROM events_random
               WHERE ts > :asof::timestamptz - interval '30 days' AND ts <= :asof GROUP BY 1) b USING (account))
UNION ALL
SELECT 'ces_agg then ces_score equals ces_score', (
  SELECT bool_and(abs(a.s - b.s) <= 1e-12 * greatest(abs(b.s), 1)) FROM
    (SELECT account, ces_score(ces_agg(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof))) s
     FROM events_clustered GROUP BY 1) a
    JOIN (SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof)) s
          FROM events_clustered GROUP BY 1) b USING (account))
UNION ALL
SELECT '30-day rollup of daily summaries equals raw events (random and dense days)', (
  SELECT bool_and(abs(a.s - b.s) <= 1e-9 * greatest(abs(b.s), 1))
         AND count(*) FILTER (WHERE src = 'dense') = (SELECT count(DISTINCT account) FROM events_dense) FROM
    (SELECT src, account, ces_score_at(ces_rollup(summary), :asof) s
     FROM (SELECT 'random' AS src, account, day, summary FROM daily
           UNION ALL SELECT 'dense', account, day, summary FROM daily_dense) d
     WHERE day >= :asof::timestamptz - interval '30 days' GROUP BY 1, 2) a
    JOIN (SELECT src, account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', as_of => :asof)) s
          FROM (SELECT 'random' AS src, account, event, ts FROM events_random
                UNION ALL SELECT 'dense', account, event, ts FROM events_dense) e
          WHERE ts > :asof::timestamptz - interval '30 days' GROUP BY 1, 2) b USING (src, account))
UNION ALL
SELECT 'moving window with inverse equals without', (
  SELECT bool_and(a.s = b.s) FROM
    (SELECT ctid, ces_score(event, ts, :'w'::jsonb) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) s
     FROM events_clustered) a
    JOIN (SELECT ctid, ces_score_no_inverse(event, ts, :'w'::jsonb) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) s
          FROM events_clustered) b USING (ctid));
-- Backfill equals snapshots at three dates.
SET client_min_messages = warning;
DELETE FROM ces_score_history;
SELECT ces_backfill('bench', 'events_random', 'account', 'event', 'ts', :asof::timestamptz - interval '89 days', :asof) > 0 AS backfilled \gset
CREATE TEMP TABLE bf AS SELECT * FROM ces_score_history;
DELETE FROM ces_score_history;
SELECT sum(ces_snapshot('bench', 'events_random', 'account', 'event', 'ts', d)) > 0 AS snapped
FROM unnest(ARRAY[:asof::timestamptz - interval '89 days', :asof::timestamptz - interval '45 days', :asof::timestamptz]) d \gset
SELECT 'backfill equals ces_snapshot' AS check,
       bool_and(abs(b.score - s.score) <= 1e-9 * greatest(abs(s.score), 1)) AND count(*) = (SELECT count(*) FROM ces_score_history) AS ok
FROM ces_score_history s JOIN bf b USING (model, model_version, account, as_of);
-- Parallel equals serial.
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE par AS SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM events_random GROUP BY 1;
SET max_parallel_workers_per_gather = 0;
SELECT 'parallel equals serial' AS check, bool_and(p.s = q.s) AS ok
FROM par p JOIN (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM events_random GROUP BY 1) q USING (account);
-- Fitted weights (ces_fit_model) on this data: renewals made to follow upgrades (up) and
-- downgrades (down) in the last 30 days, ± a hash-based nudge. The fitted signs are right, and
-- the fitted model's ces_score equals points × the decayed counts computed here in SQL.
SET client_min_messages = warning;
CREATE TEMP TABLE fit_outcomes AS
SELECT account, sum(CASE event WHEN 'upgraded' THEN 1 WHEN 'downgraded' THEN -1 ELSE 0 END)
                  FILTER (WHERE ts > :asof::timestamptz - interval '30 days') + abs(hashint4(account)) % 3 - 1 > 0 AS renewed
FROM events_random GROUP BY account;
CREATE TEMP TABLE fit_model AS
SELECT ces_fit_model('events_random', 'account', 'event', 'ts', 'fit_outcomes', 'renewed', :asof,
                     '{"half_life": "7 days", "lookback": "30 days"}') AS m;
SELECT 'fitted model: upgraded positive, downgraded negative' AS check,
       (m::text::jsonb #>> '{weights,upgraded}')::float8 > 0 AND (m::text::jsonb #>> '{weights,downgraded}')::float8 < 0 AS ok
FROM fit_model;
SELECT 'fitted model score equals points x decayed counts' AS check,
       bool_and(abs(a.s - b.s) <= 1e-9 * greatest(abs(b.s), 1)) AND count(*) > 0 AS ok
FROM (SELECT account, ces_score(event, ts, (SELECT ces_model_at(m, :asof) FROM fit_model)) s FROM events_random GROUP BY 1) a
JOIN (SELECT e.account, sum((w.value)::float8 * power(0.5, extract(epoch FROM :asof::timestamptz - e.ts)::float8 / (7 * 86400))) s
      FROM events_random e JOIN fit_model f ON true
      JOIN jsonb_each_text(f.m::text::jsonb -> 'weights') w ON w.key = e.event
      WHERE e.ts > :asof::timestamptz - interval '30 days' AND e.ts <= :asof GROUP BY 1) b USING (account);
