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
