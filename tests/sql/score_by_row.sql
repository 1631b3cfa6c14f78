-- ces_score(event, ts, model) keeps only a running sum when the model is a constant without
-- caps and with a fixed as_of (or no time rules); other models use the per-event-type state
-- of ces_agg. Both must give the same scores (up to float rounding), in serial, parallel and
-- window plans.
SELECT setseed(0.7);
CREATE TABLE sbr AS
SELECT (random() * 400)::int AS account,
       (ARRAY['login','project_added','upgraded','support_ticket','report_viewed', NULL])[1 + floor(random() * 6)::int] AS event,
       CASE WHEN random() < 0.02 THEN NULL
            ELSE timestamptz '2026-10-01 00:00+00' - random() * interval '60 days' END AS ts
FROM generate_series(1, 40000);
ANALYZE sbr;
\set w '{"login": 1, "project_added": 5.5, "upgraded": 50, "support_ticket": -3}'
\set asof '''2026-10-01 00:00+00'''
-- by_row: the running sum. state: the same model with caps that never bind. column: the
-- same model per row (not a constant). agg: through a summary.
CREATE TEMP TABLE sbr_scores AS
SELECT account,
       ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof)) AS by_row,
       ces_score(event, ts, ces_model('{"login": {"weight": 1, "cap": 1e9}, "project_added": 5.5, "upgraded": 50, "support_ticket": -3}',
                                      half_life => '7 days', lookback => '30 days', as_of => :asof)) AS state,
       ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof::timestamptz + (account * 0) * interval '1 day')) AS column_model,
       ces_score(ces_agg(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof))) AS agg
FROM sbr GROUP BY account;
SELECT count(*) AS accounts,
       bool_and(abs(by_row - state) <= 1e-12 * greatest(abs(state), 1)) AS equals_state,
       bool_and(abs(by_row - column_model) <= 1e-12 * greatest(abs(state), 1)) AS equals_column_model,
       bool_and(abs(by_row - agg) <= 1e-12 * greatest(abs(state), 1)) AS equals_agg
FROM sbr_scores;
-- The plain-SQL reference.
SELECT bool_and(abs(s.by_row - coalesce(r.score, 0)) <= 1e-9 * greatest(abs(s.by_row), 1)) AS equals_reference
FROM sbr_scores s LEFT JOIN (
  SELECT account, sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5.5 WHEN 'upgraded' THEN 50
                                 WHEN 'support_ticket' THEN -3 ELSE 0 END
                      * power(0.5, extract(epoch FROM :asof::timestamptz - ts) / 604800)) AS score
  FROM sbr WHERE ts > :asof::timestamptz - interval '30 days' AND ts <= :asof GROUP BY account) r USING (account);
-- A model without time rules scores every row; one without an as_of uses the per-type state.
SELECT ces_score(event, ts, ces_model(:'w')) = (SELECT sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5.5
          WHEN 'upgraded' THEN 50 WHEN 'support_ticket' THEN -3 ELSE 0 END) FROM sbr) AS untimed_exact,
       ces_score(event, ts, ces_model(:'w', lookback => '100 years'))
         = ces_score(event, ts, ces_model(:'w')) FILTER (WHERE ts IS NOT NULL) AS lookback_now_equal
FROM sbr;
-- Forced parallel: partial sums travel as 8 bytes and are added; results equal serial.
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT account, ces_score(event, ts, ces_model('{"login":1}', half_life => '1 day', as_of => '2026-10-01')) FROM sbr GROUP BY account$q$, 'Partial') AS partial;
SELECT bool_and(abs(p.s - q.by_row) <= 1e-12 * greatest(abs(q.by_row), 1)) AS parallel_equals_serial,
       count(*) AS accounts
FROM (SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof)) s
      FROM sbr GROUP BY account) p JOIN sbr_scores q USING (account);
SELECT abs(ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :asof))
           - (SELECT sum(by_row) FROM sbr_scores)) < 1e-9 AS parallel_total_equal
FROM sbr;
COMMIT;
-- Window frames from the partition start use the plain transition and final functions.
SELECT bool_and(abs(w - c) <= 1e-12 * greatest(abs(c), 1)) AS window_equal
FROM (SELECT ces_score(event, ts, ces_model(:'w', half_life => '7 days', as_of => :asof)) OVER (PARTITION BY account ORDER BY ts) AS w,
             ces_score(event, ts, ces_model('{"login": {"weight": 1, "cap": 1e9}, "project_added": 5.5, "upgraded": 50, "support_ticket": -3}',
                                            half_life => '7 days', as_of => :asof)) OVER (PARTITION BY account ORDER BY ts) AS c
      FROM sbr WHERE ts IS NOT NULL) x;
-- Edge values: a group of rows that never count scores 0 (not NULL); no rows is NULL; a
-- sum below the smallest normal float8 is 0.
SELECT ces_score(e, t, ces_model('{"login":1}', lookback => '1 day', as_of => '2026-10-01')) AS outside_window,
       ces_score(e, t, ces_model('{"login":1}', as_of => '2026-10-01')) FILTER (WHERE false) AS no_rows,
       ces_score(e, t, ces_model('{"login":1e-300}', half_life => '1 hour', as_of => '2026-10-01')) FILTER (WHERE t > '2026-09-29') AS underflow,
       ces_score(e, t, ces_model('{"login":{"weight":1e-300,"cap":1}}', half_life => '1 hour', as_of => '2026-10-01')) FILTER (WHERE t > '2026-09-29') > 0 AS capped_keeps_subnormal
FROM (VALUES ('login', timestamptz '2026-09-01'), ('login', timestamptz '2026-09-29 18:00+00')) v(e, t);
SELECT expect_error($$SELECT ces_score(e, now(), NULL::ces_model) FROM (VALUES ('login')) v(e)$$);
-- Rows that count nothing score 0, as in the jsonb form (README, "NULLs").
SELECT ces_score(NULL, NULL, NULL::ces_model) AS all_null FROM generate_series(1, 3);
DROP TABLE sbr;
