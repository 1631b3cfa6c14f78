-- The ces demo: the textbook example, the most and least engaged accounts, and the
-- band distribution per plan, over the deterministic sample in sample_data.sql.
\pset footer off
\set weights '{"login": 1, "report_viewed": 2, "project_added": 5, "team_member_added": 10, "integration_connected": 15, "upgraded": 50, "support_ticket": -5, "seat_removed": -10, "downgraded": -50}'
\set as_of '''2026-10-01 00:00+00'''

\echo
\echo '== The textbook example: login 1x30, team member added 10x4, project added 5x5, upgraded 50x1'
SELECT ces_score(event, NULL, '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}') AS score,
       ces_band(ces_score(event, NULL, '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}')) AS band
FROM (SELECT 'login' FROM generate_series(1, 30)
      UNION ALL SELECT 'team_member_added' FROM generate_series(1, 4)
      UNION ALL SELECT 'project_added' FROM generate_series(1, 5)
      UNION ALL SELECT 'upgraded') AS e(event);

\echo '== The sample'
SELECT (SELECT count(*) FROM accounts) AS accounts, count(*) AS events,
       count(DISTINCT event) AS event_types, min(ts)::date AS first_day, max(ts)::date AS last_day
FROM events;

-- 30-day scores for every account; accounts without events score 0 through the LEFT JOIN.
CREATE TEMP VIEW scores AS
SELECT a.account_id, a.name, a.plan, a.region, a.owner,
       ces_score(e.event, e.ts, :'weights') AS score,
       ces_band(ces_score(e.event, e.ts, :'weights')) AS band
FROM accounts a
LEFT JOIN events e ON e.account_id = a.account_id
                  AND e.ts > :as_of::timestamptz - interval '30 days' AND e.ts <= :as_of
GROUP BY a.account_id;

\echo '== Top 10 accounts by 30-day score'
SELECT name, plan, region, owner, score, band FROM scores ORDER BY score DESC, name LIMIT 10;

\echo '== Bottom 10 accounts by 30-day score'
SELECT name, plan, region, owner, score, band FROM scores ORDER BY score, name LIMIT 10;

\echo '== Band distribution per plan (each # is 5 accounts)'
SELECT plan, band, count(*) AS accounts, repeat('#', ceil(count(*) / 5.0)::int) AS bar
FROM scores
GROUP BY plan, band
ORDER BY array_position(ARRAY['free', 'starter', 'pro', 'enterprise'], plan),
         array_position(ARRAY['churn risk', 'very disengaged', 'somewhat engaged', 'highly engaged', 'power user'], band);

\echo '== Normalised 0-100 within each plan, top 3 per plan'
SELECT plan, name, score, round(normalized::numeric, 1) AS normalized
FROM (SELECT plan, name, score,
             ces_normalize(score, min(score) OVER w, max(score) OVER w) AS normalized,
             row_number() OVER (PARTITION BY plan ORDER BY score DESC, name) AS rank
      FROM scores WINDOW w AS (PARTITION BY plan)) s
WHERE rank <= 3
ORDER BY array_position(ARRAY['free', 'starter', 'pro', 'enterprise'], plan), rank;

\echo '== A named, versioned model: 14-day half-life, 30-day window'
SELECT ces_define_model('health', ces_model(:'weights', half_life => '14 days', lookback => '30 days'),
                        'demo model') AS version;

\echo '== 90 days of daily score history with ces_backfill (events read once; accounts without events score 0)'
\timing on
SELECT ces_backfill('health', 'events', 'account_id', 'event', 'ts',
                    '2026-07-03 00:00+00', '2026-10-01 00:00+00',
                    accounts => 'accounts', accounts_column => 'account_id') AS history_rows;
\timing off

\echo '== A score view for BI tools: every account, following the model, refreshed concurrently'
-- Pinned to the demo's as_of (the sample data ends there); in production leave as_of out.
SELECT ces_define_model('health_oct1', ces_model_at(ces_model('health'), :as_of), 'health at 2026-10-01') AS version;
SELECT ces_create_score_view('bi_scores', 'events', 'account_id', 'event', 'ts', 'health_oct1', materialized => true,
                             accounts => 'accounts');
REFRESH MATERIALIZED VIEW CONCURRENTLY bi_scores;
SELECT band_rank, band, count(*) AS accounts, count(*) FILTER (WHERE events = 0) AS without_events
FROM bi_scores GROUP BY band_rank, band ORDER BY band_rank;

\echo '== Engaged accounts (score above 40 a month ago) whose score dropped by 50% or more, most points lost first'
SELECT a.name, a.plan, a.owner, round(d.score_then::numeric, 1) AS score_then,
       round(d.score_now::numeric, 1) AS score_now, round(d.drop_pct::numeric) AS drop_pct, d.band_then, d.band_now
FROM ces_drops('health', :as_of, '30 days', 50) d JOIN accounts a ON a.account_id::text = d.account
WHERE d.score_then > 40
ORDER BY d.score_then - d.score_now DESC LIMIT 10;
SELECT count(*) AS accounts_dropping_50pct FROM ces_drops('health', :as_of, '30 days', 50);

\echo '== Band transitions, 2026-09-01 -> 2026-10-01'
SELECT coalesce(from_band, '(new)') AS from_band, to_band, accounts
FROM ces_band_transitions('health', '2026-09-01 00:00+00', :as_of);

\echo '== Does the score predict renewal? AUC of the score on 2026-10-01 against renewed (every account, quiet ones at 0)'
SELECT round(ces_auc(h.score, a.renewed)::numeric, 3) AS auc,
       round(avg(a.renewed::int)::numeric, 3) AS renewal_rate, count(*) AS accounts
FROM ces_score_history h JOIN accounts a ON a.account_id::text = h.account
WHERE h.model = 'health' AND h.as_of = :as_of;

\echo '== Renewal rate and lift per band'
SELECT l.band, l.n AS accounts, l.positives AS renewed, round(l.rate::numeric, 3) AS renewal_rate,
       round(l.lift::numeric, 2) AS lift
FROM (SELECT ces_lift(h.score, a.renewed) AS lift
      FROM ces_score_history h JOIN accounts a ON a.account_id::text = h.account
      WHERE h.model = 'health' AND h.as_of = :as_of) x,
     jsonb_to_recordset(x.lift) AS l(band text, n bigint, positives bigint, rate float8, lift float8);

\echo '== Weights fitted from the renewals (ces_fit_report): which events tell renewals apart, and how well'
SELECT event, points, round(coef::numeric, 3) AS coef, round(std_error::numeric, 3) AS std_error, accounts, kept,
       half_life, round(cv_auc::numeric, 3) AS cv_auc, round(equal_weights_auc::numeric, 3) AS equal_weights_auc,
       round(baseline_auc::numeric, 3) AS hand_picked_auc
FROM ces_fit_report('events', 'account_id', 'event', 'ts', 'accounts', 'renewed', :as_of,
                    jsonb_build_object('baseline', ces_model(:'weights', lookback => '30 days')::text::jsonb))
ORDER BY coef DESC;
