-- ces_backfill reports progress in application_name too (pg_stat_activity shows it to other
-- sessions; tests/backfill_progress.sh watches it from a second session). The name is set as
-- with SET LOCAL: after the backfill it holds the last step, and it comes back at the end of
-- the transaction.
SET application_name = 'my_etl';
BEGIN;
CREATE TABLE bp_events AS
SELECT i % 500 AS account, 'login' AS event, timestamptz '2026-11-01 00:00+00' + (i % 23) * interval '1 day' AS ts
FROM generate_series(1, 5000) i;
ANALYZE bp_events;
SELECT ces_define_model('bp', '{"login":1}') AS version;
SET LOCAL client_min_messages = warning;  -- the NOTICEs are in tests/sql/analytics.sql
SELECT ces_backfill('bp', 'bp_events', 'account', 'event', 'ts', '2026-11-01 00:00+00', '2026-11-24 00:00+00') AS rows;
SELECT current_setting('application_name') AS during_the_transaction,
       (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS in_pg_stat_activity;
ROLLBACK;
SELECT current_setting('application_name') AS after_the_transaction;
RESET application_name;
