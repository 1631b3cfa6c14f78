-- ces_agg summaries, their accessors and I/O, ces_rollup and ces_score_at,
-- including the daily-summary history check and forced-parallel equality.
SET timezone = 'UTC';
BEGIN;
CREATE TEMP TABLE ev (account int, event text, ts timestamptz);
\set as_of '''2026-10-01 00:00+00'''
INSERT INTO ev SELECT 1, 'login', :as_of::timestamptz - i * interval '1 day' FROM generate_series(0, 9) i;
INSERT INTO ev VALUES (1, 'ticket', :as_of::timestamptz - interval '2 days'), (1, 'ticket', :as_of::timestamptz - interval '3 days'),
                      (1, 'upgraded', :as_of::timestamptz - interval '40 days'), (1, 'logout', :as_of), (1, NULL, :as_of);
CREATE TEMP TABLE s AS
SELECT ces_agg(event, ts, ces_model('{"login":{"weight":2,"cap":15},"ticket":-5,"upgraded":50,"unused":1}',
                                    half_life => '7 days', lookback => '30 days', as_of => :as_of)) AS s
FROM ev;
SELECT ces_score(s) AS score, ces_event_count(s) AS events, ces_depth(s) AS depth, ces_last_seen(s) AS last_seen FROM s;
SELECT * FROM ces_breakdown((SELECT s FROM s));
SELECT abs((SELECT sum(points) FROM ces_breakdown(s)) - ces_score(s)) < 1e-12 AS points_add_up FROM s;
-- The text form is readable and exact.
SELECT s::text FROM s;
SELECT s::text::ces_summary::text = s::text AS text_round_trip, ces_score(s::text::ces_summary) = ces_score(s) AS same_score FROM s;
-- Binary I/O: COPY out and back in.
COPY s TO '/tmp/ces_regress_summary.bin' (FORMAT binary);
CREATE TEMP TABLE s2 (s ces_summary);
COPY s2 FROM '/tmp/ces_regress_summary.bin' (FORMAT binary);
SELECT s2.s::text = s.s::text AS binary_round_trip FROM s, s2;
-- Re-anchoring: later is fine, earlier is an error.
SELECT round(ces_score_at(s, :as_of::timestamptz + interval '7 days')::numeric, 9) AS week_later,
       ces_score_at(s, :as_of) = ces_score(s) AS same_instant FROM s;
SELECT expect_error($$SELECT ces_score_at(s, '2026-09-30 00:00+00') FROM s$$);
-- Empty input: NULL summary; a jsonb-weights summary has no as_of.
SELECT ces_agg(event, ts, '{"login":1}'::jsonb) IS NULL AS empty FROM ev WHERE false;
SELECT ces_agg(event, ts, '{"login":1,"ticket":-5}'::jsonb)::text FROM ev;
-- Bad text input.
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"counts":{"b":[1,1]}}'::ces_summary$$);
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1},"half_life":"1 day"}}'::ces_summary$$);
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"colour":1}'::ces_summary$$);
SELECT expect_error($$SELECT '[1]'::ces_summary$$);
ROLLBACK;

-- Rollup: summaries of disjoint row sets equal one pass over their union.
BEGIN;
SELECT setseed(0.3);
CREATE TEMP TABLE hist AS
SELECT (random() * 999)::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','other'])[1 + (random() * 5.999)::int] AS event,
       timestamptz '2026-09-01 00:00+00' + random() * interval '30 days' AS ts
FROM generate_series(1, 60000);
\set w '{"login":1,"project_added":5,"team_member_added":{"weight":10,"half_life":"3 days"},"upgraded":{"weight":50,"cap":120},"support_ticket":-3}'
\set D '''2026-10-01 00:00+00'''
-- One summary per account and day, anchored at the end of its day, no lookback.
CREATE TEMP TABLE daily AS
SELECT account, date_trunc('day', ts) AS day,
       ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => date_trunc('day', ts) + interval '1 day')) AS s
FROM hist GROUP BY 1, 2;
SELECT count(*) AS daily_summaries, count(DISTINCT day) AS days, count(DISTINCT account) AS accounts FROM daily;
-- Rolled up and re-anchored to D, they equal scoring the raw events at D.
WITH rolled AS (
  SELECT account, ces_rollup(s) AS s FROM daily GROUP BY account
), raw AS (
  SELECT account, ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D)) AS s FROM hist GROUP BY account
)
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(ces_score_at(r.s, :D) - ces_score(w.s)) <= 1e-9 * greatest(abs(ces_score(w.s)), 1)) AS score_within_1e9,
       count(*) FILTER (WHERE ces_event_count(r.s) = ces_event_count(w.s)) AS counts_equal,
       count(*) FILTER (WHERE ces_last_seen(r.s) = ces_last_seen(w.s)) AS last_seen_equal,
       count(*) FILTER (WHERE ces_depth(r.s) = ces_depth(w.s)) AS depth_equal
FROM rolled r JOIN raw w USING (account);
-- The last 10 daily summaries at D2 equal the raw events of those 10 days scored at D2.
\set D2 '''2026-09-21 00:00+00'''
WITH rolled AS (
  SELECT account, ces_score_at(ces_rollup(s), :D2) AS score FROM daily
  WHERE day >= :D2::timestamptz - interval '10 days' AND day < :D2 GROUP BY account
), raw AS (
  SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '10 days', as_of => :D2)) AS score
  FROM hist WHERE ts > :D2::timestamptz - interval '10 days' AND ts <= :D2 GROUP BY account
)
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(r.score - w.score) <= 1e-9 * greatest(abs(w.score), 1)) AS within_1e9
FROM rolled r JOIN raw w USING (account);
-- Rollup re-anchors to the latest as_of.
SELECT ces_score(ces_rollup(s)) = ces_score_at(ces_rollup(s), :D) AS anchored_at_latest FROM daily WHERE account = 1;
-- Different models cannot be rolled up.
SELECT expect_error($$SELECT ces_rollup(s) FROM (SELECT ces_agg(e, NULL, m::ces_model) s FROM (VALUES ('a', '{"a":1}'), ('a', '{"a":2}')) v(e, m) GROUP BY m) x$$);
SELECT ces_rollup(s) IS NULL AS empty_rollup FROM daily WHERE false;

-- Forced parallel: ces_agg, ces_rollup and the model form of ces_score equal serial.
CREATE TEMP TABLE serial AS
SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D)) AS score,
       ces_score(ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D))) AS agg_score
FROM hist GROUP BY account;
CREATE TABLE par_hist AS SELECT * FROM hist;
CREATE TABLE par_daily AS SELECT * FROM daily;
ANALYZE par_hist, par_daily;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT account, ces_score(event, ts, '{"login":1}') FROM par_hist GROUP BY account$q$, 'Partial') AS score_partial,
       plan_has($q$SELECT account, ces_agg(event, ts, '{"login":1}') FROM par_hist GROUP BY account$q$, 'Partial') AS agg_partial,
       plan_has($q$SELECT account, ces_rollup(s) FROM par_daily GROUP BY account$q$, 'Partial') AS rollup_partial;
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(p.score - s.score) <= 1e-9 * greatest(abs(s.score), 1)) AS score_equal,
       count(*) FILTER (WHERE abs(p.agg_score - s.agg_score) <= 1e-9 * greatest(abs(s.agg_score), 1)) AS agg_equal
FROM (SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D)) AS score,
             ces_score(ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D))) AS agg_score
      FROM par_hist GROUP BY account) p JOIN serial s USING (account);
-- All accounts in one group (partial states from both workers and the leader) equal one
-- serial pass over all raw events. (Caps apply to the group's total, so this is not the
-- sum of per-account scores.)
SELECT abs(ces_score_at(ces_rollup(s), :D) - (SELECT ces_score(event, ts, ces_model(:'w', half_life => '7 days', as_of => :D)) FROM hist))
         <= 1e-9 * abs(ces_score_at(ces_rollup(s), :D)) AS rollup_total_equal,
       ces_event_count(ces_rollup(s)) = (SELECT count(*) FROM hist WHERE event IS NOT NULL) AS rollup_count_equal
FROM par_daily;
-- Without decay, parallel results are exact.
SELECT count(*) FILTER (WHERE p.score = s.score) = count(*) AS exact
FROM (SELECT account, ces_score(event, ts, '{"login":1,"upgraded":50,"support_ticket":-3}') AS score FROM par_hist GROUP BY account) p
JOIN (SELECT account, ces_score(event, ts, '{"login":1,"upgraded":50,"support_ticket":-3}'::jsonb) AS score FROM hist GROUP BY account) s USING (account);
ROLLBACK;
