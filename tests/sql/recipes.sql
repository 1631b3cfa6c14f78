-- The README recipes that claim an equality, checked against the raw query on generated data:
-- the daily-summary rollup (30 days, under two session time zones), the percentile and the
-- flat-segment normalisation within a segment.
BEGIN;
SELECT setseed(0.42);
CREATE TEMP TABLE rc_accounts AS
SELECT i AS account, (ARRAY['free', 'pro', 'team'])[1 + i % 3] AS plan FROM generate_series(1, 2000) i;
-- 90 days of events at random instants; some accounts go quiet early.
CREATE TEMP TABLE rc_events AS
SELECT a.account, (ARRAY['login', 'team_member_added', 'project_added', 'upgraded'])[1 + (random() * 3.99)::int] AS event,
       timestamptz '2026-08-26 00:00+00' + random() * interval '90 days' * (0.2 + 0.8 * (a.account % 5) / 4.0) AS ts
FROM rc_accounts a, generate_series(1, 40) n;
\set w '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}'
\set D '''2026-11-24 00:00+00'''

-- The README's daily recipe, built and queried in Los Angeles, then in UTC (the days span
-- the end of daylight-saving time on 2026-11-01): the same scores, each equal to the raw
-- 30-day score of its account (within 1e-9 relative).
CREATE TEMP VIEW rc_daily AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM rc_events GROUP BY 1, 2;
CREATE TEMP VIEW rc_30d AS
SELECT account, ces_score_at(ces_rollup(summary), :D) AS score_30d
FROM rc_daily
WHERE day >= timestamptz :D - interval '30 days' AND day < :D
GROUP BY account;
SET LOCAL TimeZone = 'America/Los_Angeles';
CREATE TEMP TABLE rc_la AS SELECT * FROM rc_30d;
SET LOCAL TimeZone = 'UTC';
CREATE TEMP TABLE rc_utc AS SELECT * FROM rc_30d;
CREATE TEMP TABLE rc_raw AS
SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => :D)) AS score
FROM rc_events WHERE ts <= :D GROUP BY account;
SELECT (SELECT count(*) FROM rc_raw) AS accounts,
       (SELECT count(*) FROM rc_raw WHERE score <> 0) AS with_events_in_window,
       count(*) FILTER (WHERE abs(coalesce(d.score_30d, 0) - r.score) <= 1e-9 * greatest(abs(r.score), 1)) AS daily_equals_raw,
       count(*) FILTER (WHERE abs(coalesce(d.score_30d, 0) - coalesce(u.score_30d, 0)) <= 1e-12 * greatest(abs(r.score), 1)) AS la_equals_utc
FROM rc_raw r LEFT JOIN rc_la d USING (account) LEFT JOIN rc_utc u USING (account);
-- The off-by-one this guards against: `day > D - 30 days` keeps 29 days.
SELECT count(*) FILTER (WHERE abs(coalesce(d.score_30d, 0) - r.score) > 1e-9 * greatest(abs(r.score), 1)) > 0 AS strict_filter_differs
FROM rc_raw r LEFT JOIN (SELECT account, ces_score_at(ces_rollup(summary), :D) AS score_30d FROM rc_daily
                         WHERE day > timestamptz :D - interval '30 days' AND day < :D GROUP BY account) d USING (account);

-- Percentile within a segment (README "Normalising within a segment"): percent_rank() is
-- the share of the segment's other accounts that score strictly lower, 0 for a lone account.
CREATE TEMP TABLE rc_scores AS
SELECT a.account, a.plan, coalesce(r.score, 0) AS score
FROM rc_accounts a LEFT JOIN rc_raw r USING (account)
UNION ALL SELECT 9001, 'solo', 12.5          -- a segment of one
UNION ALL SELECT 9002, 'tied', 7 UNION ALL SELECT 9003, 'tied', 7;  -- all tied
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(p.pr - (SELECT count(*) FROM rc_scores o WHERE o.plan = p.plan AND o.score < p.score)
                                         / greatest(p.n - 1, 1)::float8) < 1e-12) AS percent_rank_as_defined,
       count(*) FILTER (WHERE p.pr BETWEEN 0 AND 1) AS within_0_1
FROM (SELECT plan, score, percent_rank() OVER (PARTITION BY plan ORDER BY score) AS pr,
             count(*) OVER (PARTITION BY plan) AS n FROM rc_scores) p;
-- Min-max within the segment never fails; flat segments sit in the middle.
SELECT plan, count(*) AS accounts, min(normalized) AS lowest, max(normalized) AS highest
FROM (SELECT plan, ces_normalize(score, min(score) OVER w, max(score) OVER w) AS normalized
      FROM rc_scores WINDOW w AS (PARTITION BY plan)) x
GROUP BY plan ORDER BY plan;
ROLLBACK;
