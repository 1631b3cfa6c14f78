#!/usr/bin/env bash
# Fitting weights against one ces_agg pass over the same events (issue 14's target: ≤ 3×).
#   bash bench/fit.sh     1M events, 50k accounts, 10 event types; the 7 default half-lives, 5 folds
# Environment: ROWS, ACCOUNTS, TYPES, RUNS override the sizes; OUT names the results file.
# Own cluster on $CES_BENCH_PORT; serial plans, jit off, table prewarmed, runs interleaved;
# the ratio is of medians. Writes the results (with this run's log) to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROWS="${ROWS:-1000000}" ACCOUNTS="${ACCOUNTS:-50000}" TYPES="${TYPES:-10}" RUNS="${RUNS:-5}"
OUT="${OUT:-bench/results/2026-12-03-fit.md}"
LOG="$(mktemp)"
exec 3>&1
exec > >(tee "$LOG") 2>&1

source bench/lib.sh
bench_cluster "$ROOT/target/pg-bench-fit"

DB="ces_fit_${ROWS}_${ACCOUNTS}_${TYPES}"
if ! psql -qXtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "== generating $ROWS events for $ACCOUNTS accounts, $TYPES event types"
    psql -qX -d postgres -c "CREATE DATABASE $DB"
    psql -qX -v ON_ERROR_STOP=1 -d "$DB" -v rows="$ROWS" -v accounts="$ACCOUNTS" -v types="$TYPES" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
CREATE EXTENSION pg_prewarm;
SELECT setseed(0.314);
-- Skewed event types (e0 most common), 180 days up to as_of, random order.
CREATE TABLE fit_events AS
SELECT (random() * (:accounts - 1))::int AS account,
       'e' || floor(power(random(), 1.5) * :types)::int AS event,
       timestamptz '2026-10-01 00:00+00' - random() * interval '180 days' AS ts
FROM generate_series(1, :rows);
-- Renewal odds rise with recent e1 and fall with recent e2 (30-day half-life), plus noise.
CREATE TABLE fit_outcomes AS
SELECT a AS account,
       random() < 1 / (1 + exp(-(-0.3 + coalesce(x.s, 0)))) AS renewed
FROM generate_series(0, :accounts - 1) a
LEFT JOIN (SELECT account,
                  sum(CASE event WHEN 'e1' THEN 0.4 WHEN 'e2' THEN -0.5 ELSE 0 END
                      * power(0.5, extract(epoch FROM timestamptz '2026-10-01 00:00+00' - ts)::float8 / (30 * 86400))) AS s
           FROM fit_events GROUP BY 1) x ON x.account = a;
ANALYZE fit_events, fit_outcomes;
SQL
fi
psql -qX -d "$DB" -c "SELECT pg_prewarm('fit_events'), pg_prewarm('fit_outcomes')" >/dev/null

WEIGHTS=$(psql -qXtA -d "$DB" -c "SELECT jsonb_object_agg('e' || i, 1) FROM generate_series(0, $TYPES - 1) i")
AGG="SELECT sum(ces_score(s)) FROM (SELECT account, ces_agg(event, ts, ces_model('$WEIGHTS', half_life => '14 days', as_of => '2026-10-01 00:00+00')) s FROM fit_events GROUP BY 1) x"
FIT="SELECT ces_fit_model('fit_events', 'account', 'event', 'ts', 'fit_outcomes', 'renewed', '2026-10-01 00:00+00')"
# Wall-clock ms and the backend's CPU ms (utime + stime from /proc/self/stat, 10 ms ticks):
# on a shared machine the CPU time is the steadier of the two.
t() { { echo "SET jit = off; SET max_parallel_workers_per_gather = 0; SET work_mem = '256MB'; SET client_min_messages = warning;"
        echo "SELECT (split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint) AS cpu0 \\gset"
        echo '\timing on'; echo "$1;"; echo '\timing off'
        echo "SELECT 'cpu', 10 * (split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint - :cpu0);"
      } | psql -qXtA -d "$DB" | awk -F'|' '/^Time:/ {split($0, a, " "); t=a[2]} /^cpu\|/ {c=$2} END {print t, c}'; }
echo "== the fit once, with its progress NOTICEs and report"
psql -qX -d "$DB" -c "SELECT event, points, round(coef::numeric, 4) AS coef, round(std_error::numeric, 4) AS se, accounts, kept,
                             half_life, round(cv_auc::numeric, 4) AS cv_auc, round(equal_weights_auc::numeric, 4) AS equal_auc
                      FROM ces_fit_report('fit_events', 'account', 'event', 'ts', 'fit_outcomes', 'renewed', '2026-10-01 00:00+00')"
AGG_MS=() FIT_MS=() AGG_CPU=() FIT_CPU=()
for r in $(seq 1 "$RUNS"); do
    read -r a ac < <(t "$AGG"); read -r f fc < <(t "$FIT")
    echo "run $r: ces_agg ${a} ms (cpu ${ac} ms), ces_fit_model ${f} ms (cpu ${fc} ms)"
    AGG_MS+=("$a") FIT_MS+=("$f") AGG_CPU+=("$ac") FIT_CPU+=("$fc")
done
median_of() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
A=$(median_of "${AGG_MS[@]}"); F=$(median_of "${FIT_MS[@]}")
AC=$(median_of "${AGG_CPU[@]}"); FC=$(median_of "${FIT_CPU[@]}")
RATIO=$(awk -v a="$A" -v f="$F" 'BEGIN {printf "%.2f", f / a}')
RATIO_CPU=$(awk -v a="$AC" -v f="$FC" 'BEGIN {printf "%.2f", f / a}')
echo "== median: ces_agg $A ms (cpu $AC), ces_fit_model $F ms (cpu $FC); ratio $RATIO wall, $RATIO_CPU cpu (target ≤ 3)"
MODEL=$(psql -qXtA -d "$DB" -c "$FIT")
exec >&- 2>&-
{
    echo "# Fit benchmark, $(date -u +%Y-%m-%d)"
    echo
    echo "\`bash bench/fit.sh\` (ROWS=$ROWS ACCOUNTS=$ACCOUNTS TYPES=$TYPES RUNS=$RUNS), commit $(git rev-parse --short HEAD),"
    echo "on this shared 2-core VM: serial plans, jit off, tables prewarmed, runs interleaved; medians."
    echo "The fit reads the outcomes and the events once and fits the 7 default half-lives × 5 folds"
    echo "(plus the final fit) in memory; the reference is one ces_agg pass over the same events"
    echo "(decay model, every event type weighted)."
    echo
    echo "| query | median wall ms | median backend CPU ms |"
    echo "|---|---|---|"
    echo "| ces_agg + ces_score per account, $ROWS events | $A | $AC |"
    echo "| ces_fit_model, same events, $ACCOUNTS labelled accounts | $F | $FC |"
    echo "| **ratio fit / ces_agg** | **$RATIO** | **$RATIO_CPU** |"
    echo
    echo "Target ≤ 3×. The backend CPU time (utime + stime of the backend, from /proc/self/stat) is"
    echo "the steadier figure when other work shares the machine; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Fitted model: \`$MODEL\`"
    echo
    echo "## Run log"
    echo
    echo '```'
    grep -v '^$' "$LOG" | sed 's/\x1b\[[0-9;]*m//g'
    echo '```'
} > "$OUT"
rm -f "$LOG"
cat "$OUT" >&3
