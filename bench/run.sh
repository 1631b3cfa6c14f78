#!/usr/bin/env bash
# The ces benchmark suite: every query against plain SQL on the same table in the same run.
#   bash bench/run.sh          full run: 10M events, 100k accounts, 5 interleaved runs
#   bash bench/run.sh quick    CI: 200k events, checks every query's result, asserts no timing
# Environment: ROWS, ACCOUNTS, RUNS override the sizes. Every query is wrapped in an outer sum()
# so no aggregate is optimised away; ratios are medians against the count(*) GROUP BY floor.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MODE="${1:-full}"
if [[ "$MODE" == quick ]]; then
    ROWS="${ROWS:-200000}" ACCOUNTS="${ACCOUNTS:-2000}" RUNS="${RUNS:-1}"
else
    ROWS="${ROWS:-10000000}" ACCOUNTS="${ACCOUNTS:-100000}" RUNS="${RUNS:-5}"
fi

bash scripts/setup.sh
source bench/lib.sh
# Full runs keep every table in shared buffers (about 4.5 GB), so no run reads the disk.
[[ "$MODE" == quick ]] || export CLUSTER_OPTS="-c shared_buffers=${BENCH_SHARED_BUFFERS:-6GB}"
bench_cluster "$ROOT/target/pg-bench"

W='{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2}'
CASE_EXPR="sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5 WHEN 'team_member_added' THEN 10 WHEN 'upgraded' THEN 50 WHEN 'support_ticket' THEN -3 WHEN 'downgraded' THEN -40 WHEN 'invite_sent' THEN 2 ELSE 0 END)::float8"
DECAY_EXPR="sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5 WHEN 'team_member_added' THEN 10 WHEN 'upgraded' THEN 50 WHEN 'support_ticket' THEN -3 WHEN 'downgraded' THEN -40 WHEN 'invite_sent' THEN 2 ELSE 0 END * power(0.5, extract(epoch FROM timestamptz '2026-10-01 00:00+00' - ts)::float8 / 604800))"
PSQL=(psql -qX -v ON_ERROR_STOP=1 -v w="$W" -v case_expr="$CASE_EXPR" -v decay_expr="$DECAY_EXPR")

DB="ces_bench_${ROWS}_${ACCOUNTS}"
# A database made with another build of the extension (script or library: stored summaries
# use the library's binary format) is made again.
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
SCRIPT_MD5=$(cat "$(pg_config --sharedir)/extension/ces--$VERSION.sql" "$(pg_config --pkglibdir)/ces.so" | md5sum | cut -d' ' -f1)
if psql -qXtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 &&
   [[ "$(psql -qXtA -d "$DB" -c "SELECT obj_description('events_random'::regclass)" 2>/dev/null)" != "$SCRIPT_MD5" ]]; then
    psql -qX -d postgres -c "DROP DATABASE $DB"
fi
if ! psql -qXtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "== generating $ROWS events for $ACCOUNTS accounts"
    psql -qX -d postgres -c "CREATE DATABASE $DB"
    "${PSQL[@]}" -d "$DB" -v rows="$ROWS" -v accounts="$ACCOUNTS" -f bench/setup.sql >/dev/null
    psql -qX -d "$DB" -c "COMMENT ON TABLE events_random IS '$SCRIPT_MD5'"
fi
psql -qX -d "$DB" -c "SELECT pg_prewarm(c) FROM unnest(ARRAY['events_random','events_clustered','events_dense','daily','daily_dense','daily_day_idx','daily_dense_day_idx']::regclass[]) c" >/dev/null

if [[ "$MODE" == quick ]]; then
    echo "== bench quick: every query's result checked against plain SQL"
    out=$("${PSQL[@]}" -tA -F ' | ' -d "$DB" -f bench/check.sql)
    echo "$out"
    passed=$(grep -c '| t$' <<<"$out" || true)
    failed=$(grep -vc '| t$' <<<"$out" || true)
    echo "bench: $passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
fi

ASOF="timestamptz '2026-10-01 00:00+00'"
MODEL="ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => $ASOF)"
MODEL_NOLB="ces_model(:'w', half_life => '7 days', as_of => $ASOF)"
SERIAL="SET max_parallel_workers_per_gather = 0;"
# 2 workers, and the leader only gathers: on this 2-core machine type a participating leader
# would make 3 processes share 2 cores.
PARALLEL="SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
NAMES=() SQLS=() SETS=()
add() { NAMES+=("$1"); SETS+=("$2"); SQLS+=("$3"); }
for L in random clustered; do
    T="events_$L"
    add "floor/$L" "$SERIAL" "SELECT sum(n) FROM (SELECT account, count(*) n FROM $T GROUP BY 1) s"
    add "case_sql/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, :case_expr s FROM $T GROUP BY 1) x"
    add "decay_sql/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, :decay_expr s FROM $T WHERE ts > $ASOF - interval '30 days' AND ts <= $ASOF GROUP BY 1) x"
    add "ces_jsonb/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM $T GROUP BY 1) x"
    add "ces_decay/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $MODEL) s FROM $T GROUP BY 1) x"
    add "ces_decay_where/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $MODEL) s FROM $T WHERE ts > $ASOF - interval '30 days' AND ts <= $ASOF GROUP BY 1) x"
    # The cost of any 3-argument aggregate over (event, ts): empty weights, no work per row.
    add "noop_3arg/$L" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, '{}'::jsonb) s FROM $T GROUP BY 1) x"
    add "ces_agg_score/$L" "$SERIAL" "SELECT sum(ces_score(s)) FROM (SELECT account, ces_agg(event, ts, $MODEL) s FROM $T GROUP BY 1) x"
done
for D in "" _dense; do
    add "raw_30d$D" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $MODEL_NOLB) s FROM events${D:-_random} WHERE ts > $ASOF - interval '30 days' GROUP BY 1) x"
    add "rollup_daily_30d$D" "$SERIAL" "SELECT sum(s) FROM (SELECT account, ces_score_at(ces_rollup(summary), $ASOF) s FROM daily$D WHERE day >= $ASOF - interval '30 days' GROUP BY 1) x"
done
add "floor/random/2w" "$PARALLEL" "SELECT sum(n) FROM (SELECT account, count(*) n FROM events_random GROUP BY 1) s"
add "ces_jsonb/random/2w" "$PARALLEL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM events_random GROUP BY 1) x"
add "ces_decay/random/2w" "$PARALLEL" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $MODEL) s FROM events_random GROUP BY 1) x"
add "case_sql/random/2w" "$PARALLEL" "SELECT sum(s) FROM (SELECT account, :case_expr s FROM events_random GROUP BY 1) x"
# Heavy queries: fewer runs.
HEAVY_RUNS="${HEAVY_RUNS:-1}"
HNAMES=() HSQLS=()
addh() { HNAMES+=("$1"); HSQLS+=("$2"); }
addh "window_inverse" "SELECT sum(s) FROM (SELECT ces_score(event, ts, :'w'::jsonb) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) s FROM events_clustered) x"
addh "window_no_inverse" "SELECT sum(s) FROM (SELECT ces_score_no_inverse(event, ts, :'w'::jsonb) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) s FROM events_clustered) x"
for L in random clustered; do
    add "history_engine_90_days/$L" "$SERIAL" "SELECT sum(cardinality(s)) FROM (SELECT account, ces_history(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days'), timestamptz '2026-07-04 00:00+00', 86400000000, 90, 0) s FROM events_$L GROUP BY 1) x"
done
addh "snapshot_1_pass" "SELECT ces_snapshot('bench', 'events_random', 'account', 'event', 'ts', $ASOF)"
addh "backfill_90_days" "SELECT ces_backfill('bench', 'events_random', 'account', 'event', 'ts', $ASOF - interval '89 days', $ASOF)"

TIMES="$DIR/times.txt"
# REPORT_ONLY=1 rebuilds the report from the times of the last run.
[[ "${REPORT_ONLY:-0}" == 1 ]] && RUNS=0 HEAVY_RUNS=0 || : >"$TIMES"
timeit() { # timeit NAME SETTINGS SQL
    local ms
    ms=$( { echo "SET jit = off; SET work_mem = '256MB'; SET client_min_messages = warning; $2"; echo '\timing on';
            echo "$3;"; } | "${PSQL[@]}" -d "$DB" | awk '/^Time:/ { t = $2 } END { print t }')
    echo "$1 $ms" >>"$TIMES"
}
echo "== $RUNS interleaved runs of ${#NAMES[@]} queries, $HEAVY_RUNS of ${#HNAMES[@]} heavy ones"
for run in $(seq 1 "$RUNS"); do
    for i in "${!NAMES[@]}"; do timeit "${NAMES[$i]}" "${SETS[$i]}" "${SQLS[$i]}"; done
done
for run in $(seq 1 "$HEAVY_RUNS"); do
    for i in "${!HNAMES[@]}"; do timeit "${HNAMES[$i]}" "$SERIAL" "${HSQLS[$i]}"; done
done

# Memory: GROUP BY over 2M accounts with work_mem = 64MB; peak backend RSS from /proc.
if [[ "${MEMORY_TEST:-1}" == 1 ]]; then
    if ! psql -qXtA -d "$DB" -c "SELECT to_regclass('events_2m') IS NOT NULL" | grep -q t; then
        "${PSQL[@]}" -d "$DB" -c "CREATE TABLE events_2m AS SELECT (random() * 1999999)::int AS account,
            (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','downgraded','invite_sent','report_viewed'])[1 + floor(random() * 8)::int] AS event,
            timestamptz '2026-10-01' - random() * interval '90 days' AS ts FROM generate_series(1, 6000000)" -c "VACUUM ANALYZE events_2m"
    fi
    MEM=$( { echo "SET jit = off; SET work_mem = '64MB'; SET max_parallel_workers_per_gather = 0;"; echo '\timing on';
             echo "SELECT count(*) AS accounts, sum(s) = (SELECT :case_expr FROM events_2m) AS correct FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM events_2m GROUP BY 1) x;";
             echo "SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024 AS peak_rss_mb,
                          (regexp_match(pg_read_file('/proc/self/status'), 'RssShmem:\s+(\d+)'))[1]::bigint / 1024 AS shared_mb;"; } |
           "${PSQL[@]}" -tA -d "$DB")
    echo "$MEM"
fi

# Events and daily summaries in the 30-day window, for the rollup rows of the report.
declare -A DENSITY
for D in "" _dense; do
    DENSITY[x$D]=$(psql -qXtA -d "$DB" -c "SELECT format('%s events in %s summaries (%s per summary)', e, s, round(e::numeric / s, 1))
        FROM (SELECT count(*) e FROM events${D:-_random} WHERE ts > $ASOF - interval '30 days') a,
             (SELECT count(*) s FROM daily$D WHERE day >= $ASOF - interval '30 days') b")
done
OUT="bench/results/$(date -u +%Y-%m-%d).md"
{
    echo "# ces benchmark, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(psql -qXtA -d "$DB" -c 'SELECT version()' | cut -d, -f1), jit off, work_mem 256MB."
    echo "Data: $ROWS events, $ACCOUNTS accounts, 8 event types, 90 days; random order and clustered by account."
    echo "Medians of $(grep -c '^floor/random ' "$TIMES") interleaved runs ($(grep -c '^window_inverse ' "$TIMES") for the window, snapshot and backfill queries); every query wrapped in an outer sum()."
    echo
    echo "Queries: floor = \`count(*)\` per account; noop_3arg = \`ces_score(event, ts, '{}')\`, the cost of calling any"
    echo "3-argument aggregate over (event, ts); case_sql = hand-written \`sum(CASE event WHEN … THEN w END)\`;"
    echo "decay_sql = hand-written \`sum(w * power(0.5, age / half_life))\` over a 30-day WHERE; ces_jsonb = \`ces_score\`"
    echo "with jsonb weights; ces_decay = \`ces_score\` with a model (half-life 7 days, lookback 30 days, fixed as_of),"
    echo "no WHERE; ces_decay_where = the same with decay_sql's WHERE; ces_agg_score = \`ces_score(ces_agg(...))\`."
    echo
    echo "| query | layout | median ms | × floor (same layout) |"
    echo "|---|---|---|---|"
    for L in random clustered; do
        F=$(median "floor/$L")
        for q in floor noop_3arg case_sql decay_sql ces_jsonb ces_decay ces_decay_where ces_agg_score; do
            m=$(median "$q/$L"); echo "| $q | $L | $m | $(ratio "$m" "$F") |"
        done
    done
    echo
    echo "| comparison | median ms | median ms | speed-up |"
    echo "|---|---|---|---|"
    for D in "" _dense; do
        a=$(median "raw_30d$D"); b=$(median "rollup_daily_30d$D")
        echo "| 30-day score: raw events vs rollup of daily summaries, ${DENSITY[x$D]} | $a | $b | $(ratio "$a" "$b")× |"
    done
    for q in floor ces_jsonb ces_decay case_sql; do
        a=$(median "$q/random"); b=$(median "$q/random/2w")
        echo "| $q: serial vs 2 workers | $a | $b | $(ratio "$a" "$b")× |"
    done
    a=$(median window_no_inverse); b=$(median window_inverse)
    echo "| moving 30-day window: without vs with inverse transition | $a | $b | $(ratio "$a" "$b")× |"
    for L in random clustered; do
        a=$(median "ces_decay/$L"); b=$(median "history_engine_90_days/$L")
        echo "| 90 daily scores per account ($L): one decay scoring pass vs the ces_backfill engine (no writes) | $a | $b | engine = $(ratio "$b" "$a")× one pass |"
    done
    a=$(median snapshot_1_pass); b=$(median backfill_90_days)
    echo "| 90 daily snapshots written to ces_score_history: one ces_snapshot vs ces_backfill | $a | $b | backfill = $(ratio "$b" "$a")× one snapshot; 90 snapshots ≈ $(ratio "$(awk -v a="$a" 'BEGIN{print a*90}')" "$b")× the backfill |"
    if [[ -n "${MEM:-}" ]]; then
        echo
        echo "Memory: GROUP BY over 2,000,000 accounts (6M events), work_mem 64MB, serial:"
        echo "accounts | correct | time | peak backend RSS (MB) | of which shared buffers (MB): \`$(tr '\n' ' ' <<<"$MEM")\`"
    fi
} >"$OUT"
cat "$OUT"
