-- ces_score equals a plain-SQL reference (sum(CASE ...)) for every account, on 120k
-- generated rows. Weights are integers and halves, so float sums are exact in any order.
BEGIN;
SELECT setseed(0.42);
CREATE TEMP TABLE ref_events AS
SELECT (random() * 3000)::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket',
              'downgraded','invite_sent','report_viewed', NULL])[1 + (random() * 8.999)::int] AS event,
       '2026-01-01'::timestamptz + random() * interval '90 days' AS ts
FROM generate_series(1, 120000);
\set w '{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2.5}'
WITH ces AS (
  SELECT account, ces_score(event, ts, :'w'::jsonb) AS score FROM ref_events GROUP BY account
), ref AS (
  SELECT account, sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5
                               WHEN 'team_member_added' THEN 10 WHEN 'upgraded' THEN 50
                               WHEN 'support_ticket' THEN -3 WHEN 'downgraded' THEN -40
                               WHEN 'invite_sent' THEN 2.5 ELSE 0 END)::float8 AS score
  FROM ref_events GROUP BY account
)
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE ces.score = ref.score) AS equal,
       count(*) FILTER (WHERE ces.score IS DISTINCT FROM ref.score) AS different
FROM ces FULL JOIN ref USING (account);
-- Same with sorted (GroupAggregate) and hashed (HashAggregate) plans.
SET enable_hashagg = off;
SELECT sum(score) FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) AS score FROM ref_events GROUP BY account) s;
RESET enable_hashagg;
SET enable_sort = off;
SELECT sum(score) FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) AS score FROM ref_events GROUP BY account) s;
RESET enable_sort;
SELECT sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5
                      WHEN 'team_member_added' THEN 10 WHEN 'upgraded' THEN 50
                      WHEN 'support_ticket' THEN -3 WHEN 'downgraded' THEN -40
                      WHEN 'invite_sent' THEN 2.5 ELSE 0 END) AS reference_total
FROM ref_events;
ROLLBACK;
