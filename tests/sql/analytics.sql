-- Score views, score history (snapshots, backfill), drops and band transitions.
SET timezone = 'UTC';
BEGIN;
CREATE TABLE app_events (account_id bigint, kind text, happened_at timestamptz);
SELECT setseed(0.21);
-- 60 accounts over 60 days; accounts 1-20 fade after day 30, 41-60 ramp up.
INSERT INTO app_events
SELECT a, (ARRAY['login','login','login','project_added','upgraded','support_ticket'])[1 + (random() * 5.999)::int],
       timestamptz '2026-08-01 00:00+00' + d * interval '1 day' + random() * interval '1 day'
FROM generate_series(1, 60) a, generate_series(0, 59) d
WHERE random() < CASE WHEN a <= 20 THEN (CASE WHEN d < 30 THEN 0.9 ELSE 0.05 END)
                      WHEN a > 40 THEN (CASE WHEN d < 30 THEN 0.1 ELSE 0.9 END) ELSE 0.5 END;
SELECT ces_define_model('health', ces_model('{"login":1,"project_added":5,"upgraded":20,"support_ticket":-3}',
                                            half_life => '10 days', lookback => '30 days'));

-- A score view, with the account column's own type.
SELECT ces_create_score_view('health_scores', 'app_events', 'account_id', 'kind', 'happened_at', 'health');
SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'health_scores' ORDER BY ordinal_position;
SELECT count(*) AS accounts, count(DISTINCT model_version) AS versions, bool_and(as_of = now()) AS as_of_now FROM health_scores;
SELECT account, round(score::numeric, 3) = round(ces_score(k, t, ces_model_at(ces_model('health'), now()))::numeric, 3) AS matches
FROM health_scores JOIN (SELECT account_id AS account, kind AS k, happened_at AS t FROM app_events) e USING (account)
GROUP BY account, score ORDER BY account LIMIT 3;
-- Materialized and schema-qualified.
CREATE SCHEMA bi;
SELECT ces_create_score_view('bi.health_mv', 'app_events', 'account_id', 'kind', 'happened_at', 'health', materialized => true);
SELECT count(*) AS rows FROM bi.health_mv;
SELECT relkind FROM pg_class WHERE oid = 'bi.health_mv'::regclass;
-- Hostile names: an object with exactly that name, or an error; never injected SQL.
SELECT ces_create_score_view('"x""; DROP TABLE app_events; --"', 'app_events', 'account_id', 'kind', 'happened_at', 'health');
SELECT count(*) AS still_there FROM app_events;
SELECT relname FROM pg_class WHERE relname LIKE 'x%DROP%';
SELECT expect_error($$SELECT ces_create_score_view('v; DROP TABLE app_events', 'app_events', 'account_id', 'kind', 'happened_at', 'health')$$);
SELECT expect_error($$SELECT ces_create_score_view('v', 'app_events', 'account_id"; DROP TABLE app_events; --', 'kind', 'happened_at', 'health')$$);
SELECT expect_error($$SELECT ces_create_score_view('v', 'app_events', 'account_id', 'kind', 'happened_at', 'nope')$$);
SELECT expect_error($$SELECT ces_create_score_view('a.b.c.d', 'app_events', 'account_id', 'kind', 'happened_at', 'health')$$);
SELECT count(*) AS still_there FROM app_events;

-- Snapshots: a second run for the same as_of replaces it.
SELECT ces_snapshot('health', 'app_events', 'account_id', 'kind', 'happened_at', '2026-09-01 00:00+00') AS rows;
SELECT ces_snapshot('health', 'app_events', 'account_id', 'kind', 'happened_at', '2026-09-01 00:00+00') AS rows_again;
SELECT count(*) AS history_rows FROM ces_score_history;

-- Backfill: one snapshot per day, equal to ces_snapshot at each date. With planner
-- statistics on the events table it reports progress every tenth of the accounts.
ANALYZE app_events;
SELECT ces_backfill('health', 'app_events', 'account_id', 'kind', 'happened_at',
                    '2026-08-20 00:00+00', '2026-09-29 00:00+00') AS rows;
SELECT count(DISTINCT as_of) AS dates, min(as_of), max(as_of) FROM ces_score_history;
CREATE TEMP TABLE backfilled AS SELECT * FROM ces_score_history;
DELETE FROM ces_score_history;
SELECT sum(ces_snapshot('health', 'app_events', 'account_id', 'kind', 'happened_at', d)) AS snapshot_rows
FROM generate_series(timestamptz '2026-08-20 00:00+00', '2026-09-29 00:00+00', '1 day') d;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(b.score - s.score) <= 1e-9 * greatest(abs(s.score), 1) AND b.band = s.band) AS equal
FROM backfilled b FULL JOIN ces_score_history s USING (model, model_version, account, as_of);
-- A weekly step, and errors.
SELECT expect_error($$SELECT ces_backfill('health', 'app_events', 'account_id', 'kind', 'happened_at', '2026-09-01', '2026-08-01')$$);
SELECT expect_error($$SELECT ces_backfill('health', 'app_events', 'account_id', 'kind', 'happened_at', '2026-08-01', '2026-09-01', '1 month')$$);
SELECT expect_error($$SELECT ces_backfill('health', 'app_events', 'account_id', 'kind', 'happened_at', '2026-08-01', '2026-09-01', '7 days')$$);

-- Backfill is cancellable: 1,440 hourly dates take seconds; a 100 ms statement_timeout stops it.
-- (Ctrl-C and pg_cancel_backend go through the same interrupt checks.)
SAVEPOINT before_timeout;
\set VERBOSITY terse
SET LOCAL statement_timeout = '100ms';
SET LOCAL client_min_messages = warning;
SELECT ces_backfill('health', 'app_events', 'account_id', 'kind', 'happened_at',
                    '2026-08-01 00:00+00', '2026-09-30 00:00+00', '1 hour');
ROLLBACK TO SAVEPOINT before_timeout;
\set VERBOSITY default
SELECT count(*) AS history_rows_unchanged FROM ces_score_history;

-- Drops: snapshots at D - 30 days and D.
SELECT account, round(score_then::numeric, 2) AS then, round(score_now::numeric, 2) AS now, round(drop_pct::numeric, 1) AS drop_pct,
       band_then, band_now
FROM ces_drops('health', '2026-09-29 00:00+00') ORDER BY drop_pct DESC, account LIMIT 5;
-- Most large drops are the accounts that faded (1-20); none is an account that ramped up (41-60).
SELECT count(*) AS dropped, count(*) FILTER (WHERE account::int <= 20) AS faders,
       count(*) FILTER (WHERE account::int > 40) AS rampers
FROM ces_drops('health', '2026-09-29 00:00+00', min_drop_pct => 50);
-- Zero and negative baselines.
CREATE TEMP TABLE saved_history AS SELECT * FROM ces_score_history;
DELETE FROM ces_score_history;
INSERT INTO ces_score_history (model, model_version, account, as_of, score, band) VALUES
  ('health', 1, 'zero_to_neg', '2026-01-01', 0, 'very disengaged'), ('health', 1, 'zero_to_neg', '2026-01-31', -5, 'churn risk'),
  ('health', 1, 'zero_to_pos', '2026-01-01', 0, 'very disengaged'), ('health', 1, 'zero_to_pos', '2026-01-31', 5, 'very disengaged'),
  ('health', 1, 'neg_to_neg', '2026-01-01', -10, 'churn risk'), ('health', 1, 'neg_to_neg', '2026-01-31', -30, 'churn risk'),
  ('health', 1, 'neg_up', '2026-01-01', -10, 'churn risk'), ('health', 1, 'neg_up', '2026-01-31', -5, 'churn risk'),
  ('health', 1, 'pos_down', '2026-01-01', 100, 'highly engaged'), ('health', 1, 'pos_down', '2026-01-31', 79, 'highly engaged'),
  ('health', 1, 'pos_small', '2026-01-01', 100, 'highly engaged'), ('health', 1, 'pos_small', '2026-01-31', 81, 'highly engaged'),
  ('health', 1, 'new', '2026-01-31', 50, 'somewhat engaged');
SELECT * FROM ces_drops('health', '2026-01-31');
-- The nearest snapshot at or before as_of - lookback is used.
SELECT count(*) FROM ces_drops('health', '2026-02-05', lookback => '30 days');
SELECT count(*) FROM ces_drops('health', '2026-01-15');
SELECT expect_error($$SELECT * FROM ces_drops('unknown', now())$$);

-- Bad and NULL arguments: 22023, or 42704 for a model without history.
SELECT expect_error($$SELECT ces_snapshot('health', 'app_events', 'account_id', 'kind', 'happened_at', 'infinity')$$);
SELECT expect_error($$SELECT ces_snapshot('nope', 'app_events', 'account_id', 'kind', 'happened_at', now())$$);
SELECT expect_error($$SELECT ces_snapshot('health', 'app_events', NULL, 'kind', 'happened_at', now())$$);
SELECT expect_error($$SELECT * FROM ces_drops('health', '2026-01-31', NULL)$$);
SELECT expect_error($$SELECT * FROM ces_band_transitions('unknown', '2026-01-01', '2026-01-31')$$);
SELECT expect_error($$SELECT ces_create_score_view('v', 'app_events', 'account_id', 'kind', NULL, 'health')$$);

-- Band transitions, including accounts present at only one date.
SELECT * FROM ces_band_transitions('health', '2026-01-01', '2026-01-31');
DELETE FROM ces_score_history;
INSERT INTO ces_score_history SELECT * FROM saved_history;
SELECT from_band, to_band, accounts FROM ces_band_transitions('health', '2026-08-25 00:00+00', '2026-09-29 00:00+00');

-- Segments: plain SQL, joining the accounts table (here on a history snapshot).
CREATE TEMP TABLE app_accounts AS SELECT a AS account_id, CASE WHEN a % 2 = 0 THEN 'pro' ELSE 'free' END AS plan FROM generate_series(1, 60) a;
SELECT plan, band, count(*) AS accounts, round(avg(score)::numeric, 1) AS avg_score
FROM ces_score_history h JOIN app_accounts a ON a.account_id::text = h.account
WHERE h.model = 'health' AND h.as_of = '2026-09-29 00:00+00'
GROUP BY plan, band ORDER BY plan, band;
ROLLBACK;
