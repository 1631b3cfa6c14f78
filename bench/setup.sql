-- Benchmark data: :rows events for :accounts accounts, 8 event types, 90 days up to
-- 2026-10-01, in two layouts (random order, clustered by account), plus daily summaries.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS ces;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
SELECT setseed(0.5);
CREATE TABLE events_random AS
SELECT (random() * (:accounts - 1))::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket',
              'downgraded','invite_sent','report_viewed'])[1 + floor(random() * 8)::int] AS event,
       timestamptz '2026-10-01 00:00+00' - random() * interval '90 days' AS ts
FROM generate_series(1, :rows);
CREATE TABLE events_clustered AS SELECT * FROM events_random ORDER BY account, ts;
-- One summary per account and day (decay model, no lookback), for the rollup query.
CREATE TABLE daily AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM events_random GROUP BY 1, 2;
CREATE INDEX ON daily (day);
-- The same aggregate without its inverse transition, for the moving-window comparison.
CREATE AGGREGATE ces_score_no_inverse(text, timestamptz, jsonb) (
    SFUNC = ces_score_trans, STYPE = double precision);
SELECT ces_define_model('bench', ces_model(:'w', half_life => '7 days', lookback => '30 days'));
VACUUM ANALYZE;
