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
-- The same events over a tenth of the accounts: ~11 events per account and day instead of
-- ~1.1, the density at which daily summaries are much fewer rows than the events.
CREATE TABLE events_dense AS
SELECT account % greatest(:accounts / 10, 1) AS account, event, ts FROM events_random;
-- One summary per account and day (decay model, no lookback), for the rollup queries,
-- stored in day order as a nightly job appends them.
CREATE TABLE daily AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM events_random GROUP BY 1, 2 ORDER BY 2, 1;
CREATE INDEX ON daily (day);
CREATE TABLE daily_dense AS
SELECT account, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model(:'w', half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM events_dense GROUP BY 1, 2 ORDER BY 2, 1;
CREATE INDEX ON daily_dense (day);
-- The same aggregate without its inverse transition, for the moving-window comparison.
CREATE AGGREGATE ces_score_no_inverse(text, timestamptz, jsonb) (
    SFUNC = ces_score_trans, STYPE = double precision);
SELECT ces_define_model('bench', ces_model(:'w', half_life => '7 days', lookback => '30 days'));
VACUUM ANALYZE;
