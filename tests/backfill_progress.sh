#!/usr/bin/env bash
# A DBA in another session sees ces_backfill's progress in pg_stat_activity.application_name
# (dbt and BI tools hide NOTICEs). Needs a running cluster (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
DB=ces_progress
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
CREATE TABLE ev AS
SELECT i % 2000 AS account, 'login' AS event, timestamptz '2026-11-01 00:00+00' + (i % 23) * interval '1 day' AS ts
FROM generate_series(1, 20000) i;
ANALYZE ev;
SELECT ces_define_model('p', '{"login":1}');
SQL
# Session 1: backfill, then keep the transaction open (the name lasts until it ends).
PGAPPNAME=ces_progress_etl psql -qX -d "$DB" -c "SET client_min_messages = warning;
    BEGIN; SELECT ces_backfill('p', 'ev', 'account', 'event', 'ts', '2026-11-01 00:00+00', '2026-11-24 00:00+00');
    SELECT pg_sleep(120); COMMIT;" >/dev/null 2>&1 &
bg=$!
# Session 2: watch pg_stat_activity until the backfill is done (polls for at most 60 s;
# nothing here is timed). Steps seen on the way depend on the machine's speed.
final="ces_backfill 100% of 2000 accounts"
seen="" steps=""
for _ in $(seq 1 600); do
    seen="$(psql -qXtA -d "$DB" -c "SELECT application_name FROM pg_stat_activity
                                    WHERE datname = current_database() AND application_name LIKE 'ces_backfill%'")"
    [[ -n "$seen" && "$steps" != *"$seen"* ]] && steps="$steps${steps:+, }${seen#ces_backfill }"
    [[ "$seen" == "$final" ]] && break
    sleep 0.1
done
psql -qXtA -d "$DB" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'" >/dev/null
wait "$bg" || true
psql -qX -d postgres -c "DROP DATABASE $DB" >/dev/null
if [[ "$seen" == "$final" ]]; then
    echo "ok: another session saw ces_backfill's progress in application_name: $steps"
else
    echo "FAILED: another session saw application_name = '$seen' ($steps), expected '$final'"
    exit 1
fi
