-- Generated from README.md by scripts/readme_sql.sh: every ```sql block, in order.
SELECT set_config('TimeZone', CASE WHEN current_setting('application_name') LIKE '%_utc' THEN 'UTC'
                                   ELSE 'America/Los_Angeles' END, false) IS NOT NULL AS time_zone_set;
BEGIN;
CREATE EXTENSION IF NOT EXISTS ces;

CREATE TABLE events (account text, event text, ts timestamptz);
INSERT INTO events
SELECT 'acme', 'login', timestamptz '2026-11-01 00:00+00' + i * interval '1 hour' FROM generate_series(1, 30) i
UNION ALL SELECT 'acme', 'team_member_added', '2026-11-02 00:00+00' FROM generate_series(1, 4)
UNION ALL SELECT 'acme', 'project_added', '2026-11-03 00:00+00' FROM generate_series(1, 5)
UNION ALL SELECT 'acme', 'upgraded', '2026-11-04 00:00+00'
UNION ALL SELECT 'globex', 'login', '2026-11-05 00:00+00'
UNION ALL SELECT 'globex', 'support_ticket', '2026-11-06 00:00+00';

SELECT account,
       ces_score(event, ts, '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50,"support_ticket":-5}') AS score
FROM events
GROUP BY account
ORDER BY account;

SELECT account, score, ces_band(score) AS band
FROM (SELECT account, ces_score(event, ts, '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50,"support_ticket":-5}') AS score
      FROM events
      WHERE ts > timestamptz '2026-11-24 00:00+00' - interval '30 days'
      GROUP BY account) s
ORDER BY score DESC;

CREATE TABLE accounts (account text, plan text);
INSERT INTO accounts VALUES ('acme', 'pro'), ('globex', 'free'), ('initech', 'free');

SELECT a.account, a.plan, ces_score(e.event, e.ts, '{"login":1,"upgraded":50}') AS score
FROM accounts a LEFT JOIN events e USING (account)
GROUP BY a.account, a.plan
ORDER BY a.account;

CREATE TEMP TABLE plan_weights (plan text, weights jsonb);
INSERT INTO plan_weights VALUES ('pro', '{"login":1,"upgraded":50}'), ('free', '{"login":3}');

SELECT a.account, ces_score(e.event, e.ts, w.weights) AS score
FROM accounts a JOIN events e USING (account) JOIN plan_weights w USING (plan)
GROUP BY a.account
ORDER BY a.account;

SELECT ces_score(event, ts, '{"login": 1, "support_ticket": -5}') FROM events WHERE account = 'globex';
SELECT ces_score(event, ts, '{"login": 1}') FROM events WHERE false;          -- NULL: no rows

SELECT s, ces_band(s) FROM unnest(ARRAY[-1, 0, 40, 40.5, 70, 100, 145]::float8[]) s;

SELECT s, ces_band(s, '[{"name":"at risk","upto":40},{"name":"steady","upto":80},{"name":"growing"}]') AS band
FROM unnest(ARRAY[12, 40, 65, 80, 96]::float8[]) s;

SELECT b.band, r.renewal_rate
FROM (SELECT ces_band(s, '[{"name":"1-40","upto":40},{"name":"40-80","upto":80},{"name":"80-100"}]') AS band
      FROM unnest(ARRAY[10, 60, 90]::float8[]) s) b
JOIN (VALUES ('1-40', 0.55), ('40-80', 0.80), ('80-100', 0.95)) r(band, renewal_rate) USING (band);

SELECT ces_default_bands();

SELECT ces_normalize(145, 0, 200) AS on_0_100, ces_normalize(145, 0, 200, 0, 10) AS on_0_10,
       ces_normalize(-20, 0, 200) AS clamped, ces_normalize(42, 42, 42) AS flat;

SELECT ces_model('{"login": 1, "upgraded": 50, "support_ticket": {"weight": -5, "half_life": "3 days", "cap": 20}}',
                 half_life => '14 days', lookback => '30 days', as_of => '2026-11-24 00:00+00');

SELECT '{"weights": {"login": 1}, "half_life": "7 days"}'::ces_model AS full_form,
       '{"login": 1}'::ces_model AS bare_weights,
       '{"login": 1}'::ces_model = ces_model('{"login": 1}') AS same;

SELECT account,
       round(ces_score(event, ts, ces_model('{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}',
                                            half_life => '7 days', lookback => '30 days',
                                            as_of => '2026-11-24 00:00+00'))::numeric, 2) AS decayed_score
FROM events GROUP BY account ORDER BY account;

CREATE TEMP TABLE account_summaries AS
SELECT account, ces_agg(event, ts, ces_model('{"login":1,"team_member_added":10,"project_added":5,"upgraded":{"weight":50,"cap":25},"support_ticket":-5}',
                                            half_life => '30 days', as_of => '2026-11-24 00:00+00')) AS summary
FROM events GROUP BY account;

SELECT account, round(ces_score(summary)::numeric, 2) AS score, ces_event_count(summary) AS events,
       ces_depth(summary) AS depth, ces_last_seen(summary) IS NOT NULL AS seen
FROM account_summaries ORDER BY account;

SELECT b.event, b.events, b.weight, round(b.points::numeric, 2) AS points, b.capped
FROM account_summaries, ces_breakdown(summary) b WHERE account = 'acme';

SELECT account, round(ces_score_at(summary, '2026-12-24 00:00+00')::numeric, 2) AS a_month_later
FROM account_summaries ORDER BY account;

CREATE TEMP TABLE daily AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model('{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}',
                                    half_life => '7 days',
                                    as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM events GROUP BY 1, 2;

SELECT account, round(ces_score_at(ces_rollup(summary), '2026-11-24 00:00+00')::numeric, 2) AS score_30d
FROM daily
WHERE day >= timestamptz '2026-11-24 00:00+00' - interval '30 days' AND day < '2026-11-24 00:00+00'
GROUP BY account ORDER BY account;

SELECT account, ts AT TIME ZONE 'UTC' AS ts_utc, ces_score(event, ts, '{"login":1,"upgraded":50}'::jsonb)
         OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) AS rolling_30d
FROM events WHERE account = 'globex' ORDER BY ts;

SELECT ces_define_model('health', '{"login":1,"upgraded":50}', 'launch weights') AS version;
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"support_ticket":-5}', half_life => '14 days')) AS version;

-- The same model again (keys in another order, the same half-life in hours): still version 2.
SELECT ces_define_model('health', ces_model('{"support_ticket":-5,"upgraded":50,"login":1}', half_life => '336 hours')) AS version;

SELECT name, version, model, note FROM ces_models ORDER BY name, version;

SELECT account, ces_score(event, ts, ces_model('health', 1)) AS v1,
       round(ces_score(event, ts, ces_model_at(ces_model('health', 2), '2026-11-24 00:00+00'))::numeric, 2) AS v2_on_the_24th
FROM events GROUP BY account ORDER BY account;

CREATE VIEW follows_health AS SELECT ces_model(name => 'health') AS model;  -- the latest version, at every query
CREATE VIEW pinned_health AS SELECT 'health'::ces_model AS model;         -- the version of today, forever
SELECT pg_get_viewdef('follows_health') AS follows, pg_get_viewdef('pinned_health') AS pinned;

SELECT e.account, round(ces_score(e.event, e.ts, ces_model('health'::text), d.renews)::numeric, 2) AS score_at_renewal
FROM events e
JOIN (VALUES ('acme', timestamptz '2026-11-24 00:00+00'), ('globex', '2026-11-20 00:00+00'),
             ('initech', '2026-11-22 12:00+00')) d(account, renews) USING (account)
GROUP BY e.account, d.renews ORDER BY e.account;

-- Pinned to an instant so this example always prints the same; in production leave as_of
-- out and the view scores at now().
SELECT ces_define_model('health_nov24', ces_model_at(ces_model('health'), '2026-11-24 00:00+00'));
SELECT ces_create_score_view('account_scores', 'events', 'account', 'event', 'ts', 'health_nov24',
                             accounts => 'accounts');
SELECT account, round(score::numeric, 2) AS score, band, band_rank, events, depth, model, model_version,
       as_of = '2026-11-24 00:00+00' AS pinned
FROM account_scores ORDER BY band_rank DESC, score DESC;
-- Running it again is safe: the view is replaced, not duplicated.
SELECT ces_create_score_view('account_scores', 'events', 'account', 'event', 'ts', 'health_nov24',
                             accounts => 'accounts');
SELECT ces_band_rank(-5) AS churn_risk, ces_band_rank(55) AS somewhat_engaged,
       ces_band_rank(55, '[{"name":"at risk","upto":10},{"name":"healthy"}]') AS healthy;

SELECT ces_create_score_view('account_scores_mv', 'events', 'account', 'event', 'ts', 'health_nov24',
                             materialized => true, accounts => 'accounts');
REFRESH MATERIALIZED VIEW CONCURRENTLY account_scores_mv;
SELECT count(*) AS accounts FROM account_scores_mv;
-- With pg_cron, every hour at minute 5:
--   SELECT cron.schedule('refresh-scores', '5 * * * *',
--                        'REFRESH MATERIALIZED VIEW CONCURRENTLY public.account_scores_mv');
-- With cron(8): 5 * * * *  psql -d app -c 'REFRESH MATERIALIZED VIEW CONCURRENTLY public.account_scores_mv'

SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-24 00:00+00',
                    accounts => 'accounts') AS rows;

SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-01 00:00+00', '2026-11-24 00:00+00',
                    accounts => 'accounts') AS rows;
SELECT to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, account, round(score::numeric, 1) AS score, band
FROM ces_score_history WHERE model = 'health' AND as_of IN ('2026-11-03 00:00+00', '2026-11-24 00:00+00')
ORDER BY as_of, account;

SELECT account, round(score_then::numeric, 1) AS score_then, round(score_now::numeric, 1) AS score_now,
       round(drop_pct::numeric) AS drop_pct, band_then, band_now
FROM ces_drops('health', '2026-11-24 00:00+00', lookback => '14 days', min_drop_pct => 20);

SELECT * FROM ces_band_transitions('health', '2026-11-03 00:00+00', '2026-11-24 00:00+00');

SELECT a.plan, s.band, count(*) AS accounts, round(avg(s.score)::numeric, 1) AS avg_score
FROM account_scores s JOIN accounts a USING (account)
GROUP BY a.plan, s.band ORDER BY a.plan, s.band;

SELECT a.plan, h.account, round(h.score::numeric, 1) AS score,
       round((100 * percent_rank() OVER (PARTITION BY a.plan ORDER BY h.score))::numeric) AS percentile_in_plan
FROM ces_score_history h JOIN accounts a USING (account)
WHERE h.model = 'health' AND h.as_of = '2026-11-24 00:00+00'
ORDER BY a.plan, h.score DESC;

CREATE TABLE renewals (account text, renewed boolean);
INSERT INTO renewals VALUES ('acme', true), ('globex', false), ('initech', false);

SELECT ces_auc(h.score, r.renewed) AS auc
FROM ces_score_history h JOIN renewals r USING (account)
WHERE h.model = 'health' AND h.as_of = '2026-11-24 00:00+00';

SELECT l.*
FROM (SELECT ces_lift(h.score, r.renewed, '[{"name":"at risk","upto":10},{"name":"healthy"}]') AS lift
      FROM ces_score_history h JOIN renewals r USING (account)
      WHERE h.model = 'health' AND h.as_of = '2026-11-24 00:00+00') x,
     ces_lift_rows(x.lift) AS l
ORDER BY l.band_rank;

CREATE SCHEMA demo;
SET search_path = demo, public;
\i demo/sample_data.sql
RESET search_path;
CREATE VIEW demo.training AS SELECT account_id, renewed FROM demo.accounts WHERE account_id % 4 <> 0;

SELECT event, points, round(coef::numeric, 3) AS coef, round(std_error::numeric, 3) AS std_error, accounts, kept
FROM ces_fit_report('demo.events', 'account_id', 'event', 'ts', 'demo.training', 'renewed', '2026-10-01 00:00+00')
ORDER BY coef DESC;

SELECT DISTINCT half_life, round(cv_auc::numeric, 3) AS cv_auc, round(equal_weights_auc::numeric, 3) AS equal_weights_auc,
       round(baseline_auc::numeric, 3) AS baseline_auc
FROM ces_fit_report('demo.events', 'account_id', 'event', 'ts', 'demo.training', 'renewed', '2026-10-01 00:00+00',
                    options => '{"baseline": {"weights": {"login": 1, "report_viewed": 2, "project_added": 5, "team_member_added": 10, "integration_connected": 15, "upgraded": 50, "support_ticket": -5, "seat_removed": -10, "downgraded": -50}, "lookback": "30 days"}}');

SELECT ces_define_model('renewal',
                        ces_fit_model('demo.events', 'account_id', 'event', 'ts', 'demo.training', 'renewed', '2026-10-01 00:00+00'),
                        'fitted on 3 in 4 demo accounts, renewals up to 2026-10-01') AS version;
SELECT model FROM ces_models WHERE name = 'renewal';

CREATE VIEW demo.holdout_scores AS
SELECT a.account_id, a.renewed,
       coalesce(ces_score(e.event, e.ts, ces_model_at(ces_model('renewal'), '2026-10-01 00:00+00')), 0) AS fitted,
       coalesce(ces_score(e.event, e.ts, ces_model('{"login": 1, "report_viewed": 2, "project_added": 5, "team_member_added": 10, "integration_connected": 15, "upgraded": 50, "support_ticket": -5, "seat_removed": -10, "downgraded": -50}',
                                                   lookback => '30 days', as_of => '2026-10-01 00:00+00')), 0) AS hand_picked
FROM demo.accounts a LEFT JOIN demo.events e ON e.account_id = a.account_id
WHERE a.account_id % 4 = 0
GROUP BY a.account_id, a.renewed;

SELECT count(*) AS accounts, round(ces_auc(fitted, renewed)::numeric, 3) AS fitted_auc,
       round(ces_auc(hand_picked, renewed)::numeric, 3) AS hand_picked_auc
FROM demo.holdout_scores;

SELECT l.band, l.accounts, l.positives, round(l.rate::numeric, 2) AS rate, round(l.lift::numeric, 2) AS lift
FROM (SELECT ces_lift(fitted, renewed) AS r FROM demo.holdout_scores) x, ces_lift_rows(x.r) l
ORDER BY l.band_rank;

WITH scores AS (
    SELECT a.account, a.plan, coalesce(ces_score(e.event, e.ts, '{"login":1,"upgraded":50}'), 0) AS score
    FROM accounts a LEFT JOIN events e USING (account)
    GROUP BY a.account, a.plan
)
SELECT plan, account, score,
       round(ces_normalize(score, min(score) OVER w, max(score) OVER w)::numeric, 1) AS normalized_in_plan,
       round((100 * percent_rank() OVER (PARTITION BY plan ORDER BY score))::numeric, 1) AS percentile_in_plan
FROM scores
WINDOW w AS (PARTITION BY plan)
ORDER BY plan, score DESC;

WITH scores AS (
    SELECT a.account, a.plan, coalesce(ces_score(e.event, e.ts, '{"login":1,"upgraded":50}'), 0) AS score
    FROM accounts a LEFT JOIN events e USING (account)
    GROUP BY a.account, a.plan
), ranked AS (
    SELECT plan, account, score, percent_rank() OVER (PARTITION BY plan ORDER BY score) AS pr FROM scores
)
SELECT plan, account, score, round((100 * pr)::numeric) AS percentile_in_plan,
       CASE WHEN pr < 0.25 THEN 'bottom quarter' WHEN pr < 0.75 THEN 'middle' ELSE 'top quarter' END AS tier_in_plan
FROM ranked
ORDER BY plan, score DESC;

ROLLBACK;
