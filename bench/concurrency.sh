#!/usr/bin/env bash
# Concurrent ces_define_model, ces_snapshot, ces_backfill and score-view reads on the same keys:
# 8 pgbench clients for DURATION seconds (default 60) must finish with 0 failed transactions,
# and the registry's versions must stay gap-free and unique. Needs a running cluster
# (PGHOST/PGPORT/PGUSER set); tests/concurrency.sh runs it for 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-60}" CLIENTS="${CLIENTS:-8}" DB=ces_concurrency
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
CREATE TABLE events AS
SELECT 'a' || (i % 300) AS account, (ARRAY['login', 'upgraded', 'ticket', 'other'])[1 + i % 4] AS event,
       timestamptz '2026-10-15 00:00+00' + (i * 7919 % 3628800) * interval '1 second' AS ts
FROM generate_series(1, 30000) i;
ANALYZE events;
SELECT ces_define_model('health', '{"login":1,"upgraded":50,"ticket":-5}');
SELECT ces_define_model('side', '{"login":1}');
SELECT ces_create_score_view('health_scores', 'events', 'account', 'event', 'ts', 'health');
-- One snapshot before the clients start: ces_drops in read.sql raises 42704 while the model has
-- no history at all, and the (fast) view reads otherwise reach it before the first snapshot commits.
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00');
SQL
LOG="$(mktemp)"
status=0
PGOPTIONS="-c client_min_messages=warning" pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" \
    -f bench/concurrency/define.sql@1 -f bench/concurrency/snapshot.sql@4 \
    -f bench/concurrency/backfill.sql@2 -f bench/concurrency/read.sql@3 "$DB" >"$LOG" 2>&1 || status=$?
errors=$(grep -cE 'ERROR|aborted' "$LOG" || true)
done_tx=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$LOG")
failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$LOG")
gaps=$(psql -qXtA -d "$DB" -c "SELECT count(*) FROM (SELECT name, version, row_number() OVER (PARTITION BY name ORDER BY version) AS n
                                                      FROM ces_model_registry) r WHERE version <> n")
versions=$(psql -qXtA -d "$DB" -c "SELECT string_agg(name || ' ' || max, ', ' ORDER BY name) FROM (SELECT name, max(version) FROM ces_model_registry GROUP BY name) m")
history=$(psql -qXtA -d "$DB" -c "SELECT count(*) FROM ces_score_history")
if [[ $status -ne 0 || $errors -ne 0 || "${failed:-0}" -ne 0 || -z "$done_tx" || $gaps -ne 0 ]]; then
    echo "concurrency: FAILED (pgbench exit $status, $errors error lines, ${failed:-?} failed, $gaps registry gaps)"
    grep -E 'ERROR|aborted|failed' "$LOG" | head -20
    status=1
else
    echo "concurrency: ok ($CLIENTS clients, ${DURATION} s: $done_tx transactions, 0 failed; versions $versions, gap-free; $history history rows)"
fi
grep -E '^(latency average|tps)' "$LOG" || true
psql -qX -d postgres -c "DROP DATABASE $DB"
rm -f "$LOG"
exit $status
