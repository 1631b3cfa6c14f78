#!/usr/bin/env bash
# Benchmarks ces_score against plain SQL on the same table in the same run.
# Usage: bash bench/run.sh [rows] [accounts] [runs]   (defaults 3000000 100000 7)
# Every query is wrapped in an outer sum() so no aggregate is optimised away; queries are
# interleaved run by run, and the medians are reported as ratios to the count(*) floor.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROWS="${1:-3000000}" ACCOUNTS="${2:-100000}" RUNS="${3:-7}"

bash scripts/setup.sh
bash scripts/build.sh
source scripts/cluster.sh
DIR="$ROOT/target/pg-bench"
cluster_start "$DIR" "${CES_BENCH_PORT:-54331}"
trap 'cluster_stop "$DIR"' EXIT

DB="ces_bench_${ROWS}_${ACCOUNTS}"
if ! psql -qXtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "== generating $ROWS events for $ACCOUNTS accounts"
    psql -qX -d postgres -c "CREATE DATABASE $DB"
    psql -qX -v ON_ERROR_STOP=1 -d "$DB" <<SQL
CREATE EXTENSION ces;
SELECT setseed(0.5) \gset
CREATE TABLE events AS
SELECT (random() * ($ACCOUNTS - 1))::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket',
              'downgraded','invite_sent','report_viewed'])[1 + (random() * 7.999)::int] AS event,
       timestamptz '2026-10-01' - random() * interval '90 days' AS ts
FROM generate_series(1, $ROWS);
VACUUM ANALYZE events;
SQL
fi
psql -qX -d "$DB" -c "ALTER EXTENSION ces UPDATE" 2>/dev/null || true

W='{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2}'
NAMES=(floor case_sql ces_score_jsonb)
QUERIES=(
  "SELECT sum(n) FROM (SELECT account, count(*) n FROM events GROUP BY 1) s"
  "SELECT sum(s) FROM (SELECT account, sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5 WHEN 'team_member_added' THEN 10 WHEN 'upgraded' THEN 50 WHEN 'support_ticket' THEN -3 WHEN 'downgraded' THEN -40 WHEN 'invite_sent' THEN 2 ELSE 0 END) s FROM events GROUP BY 1) x"
  "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, '$W') s FROM events GROUP BY 1) x"
)

TIMES="$DIR/times.txt"
: >"$TIMES"
SETTINGS="SET jit = off; SET max_parallel_workers_per_gather = 0; SET work_mem = '256MB';"
# Prewarm, then interleave the queries run by run.
psql -qX -d "$DB" -c "SELECT count(*) FROM events" >/dev/null
for run in $(seq 1 "$RUNS"); do
    for i in "${!QUERIES[@]}"; do
        ms=$( { echo "$SETTINGS"; echo '\timing on'; echo "${QUERIES[$i]};"; } |
              psql -qX -d "$DB" | awk '/^Time:/ { print $2 }')
        echo "${NAMES[$i]} $ms" >>"$TIMES"
    done
done

median() { grep "^$1 " "$TIMES" | awk '{ print $2 }' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
FLOOR=$(median floor)
OUT="bench/results/$(date -u +%Y-%m-%d).md"
{
    echo "# ces benchmark, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(psql -qXtA -d "$DB" -c 'SELECT version()' | cut -d, -f1)."
    echo "Data: $ROWS events, $ACCOUNTS accounts, 8 event types, random order. $RUNS interleaved runs, medians; jit off, serial plans, work_mem 256MB."
    echo
    echo "| query | median ms | × floor |"
    echo "|---|---|---|"
    for n in "${NAMES[@]}"; do
        m=$(median "$n")
        echo "| $n | $m | $(awk -v a="$m" -v b="$FLOOR" 'BEGIN { printf "%.2f", a / b }') |"
    done
} >"$OUT"
cat "$OUT"
