#!/usr/bin/env bash
# The analyst's path against the engine: a named model, the generated score view and one
# as_of per account, each as a ratio to the same query with a constant model, in one run.
#   bash bench/named.sh          400k events, 5k accounts, 7 interleaved runs
#   bash bench/named.sh quick    CI: 40k events, checks that every pair agrees, asserts no timing
# Environment: ROWS, ACCOUNTS, RUNS, DISTINCT (the as_of-scaling sizes) override the sizes.
# Every query is wrapped in an outer sum() so no aggregate is optimised away.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MODE="${1:-full}"
if [[ "$MODE" == quick ]]; then
    ROWS="${ROWS:-40000}" ACCOUNTS="${ACCOUNTS:-500}" RUNS="${RUNS:-1}" DISTINCT="${DISTINCT:-1000 10000}"
else
    ROWS="${ROWS:-400000}" ACCOUNTS="${ACCOUNTS:-5000}" RUNS="${RUNS:-7}" DISTINCT="${DISTINCT:-10000 100000}"
fi

bash scripts/setup.sh
source bench/lib.sh
bench_cluster "$ROOT/target/pg-bench-named"

W='{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2}'
PSQL=(psql -qX -v ON_ERROR_STOP=1 -v w="$W")
DB="ces_named_${ROWS}_${ACCOUNTS}"
psql -qX -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
echo "== generating $ROWS events for $ACCOUNTS accounts"
"${PSQL[@]}" -d "$DB" -v rows="$ROWS" -v accounts="$ACCOUNTS" <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION ces;
SELECT setseed(0.25);
-- Events up to this hour, so that models without an as_of (scored at now()) count them.
CREATE TABLE events AS
SELECT (random() * (:accounts - 1))::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket',
              'downgraded','invite_sent','report_viewed'])[1 + floor(random() * 8)::int] AS event,
       date_trunc('hour', now()) - random() * interval '90 days' AS ts
FROM generate_series(1, :rows);
-- One renewal date per account, spread over 60 days.
CREATE TABLE renewals AS
SELECT a AS account, date_trunc('hour', now()) - (a % 60) * interval '1 day' AS renews
FROM generate_series(0, :accounts - 1) a;
VACUUM ANALYZE events, renewals;
-- The same model published by name; its view scores at now() at query time, like the
-- constant model without as_of.
SELECT ces_define_model('health', ces_model(:'w', half_life => '7 days', lookback => '30 days'));
SELECT ces_create_score_view('health_scores', 'events', 'account', 'event', 'ts', 'health');
SQL

ASOF="timestamptz '$(psql -qXtA -d "$DB" -c "SELECT max(ts)::text FROM events")'"
CONST="ces_model(:'w', half_life => '7 days', lookback => '30 days', as_of => $ASOF)"
NAMES=() SQLS=()
add() { NAMES+=("$1"); SQLS+=("$2"); }
q() { echo "SELECT sum(s) FROM (SELECT account, $1 s FROM events GROUP BY 1) x"; }
add const_model "$(q "ces_score(event, ts, $CONST)")"
add named_at "$(q "ces_score(event, ts, ces_model_at(ces_model('health'::text), $ASOF))")"
add const_model_no_as_of "$(q "ces_score(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days'))")"
add named "$(q "ces_score(event, ts, ces_model('health'::text))")"
add view "SELECT sum(score) FROM health_scores"
# What a BI tool reads: every column of the view (score, band, band_rank, last_seen, events, depth).
add view_all_columns "SELECT sum(score) + sum(band_rank) + sum(events) + sum(depth) + count(band) + count(last_seen) FROM health_scores"
J="FROM events e JOIN renewals r USING (account) GROUP BY 1) x"
add join_const "SELECT sum(s) FROM (SELECT account, ces_score(e.event, e.ts, $CONST) s $J"
add join_named_as_of "SELECT sum(s) FROM (SELECT account, ces_score(e.event, e.ts, ces_model('health'::text), r.renews) s $J"
add join_model_at_per_row "SELECT sum(s) FROM (SELECT account, ces_score(e.event, e.ts, ces_model_at(ces_model('health'::text), r.renews)) s $J"

SETTINGS="SET jit = off; SET work_mem = '256MB'; SET max_parallel_workers_per_gather = 0; SET client_min_messages = warning;"
TIMES="$DIR/times.txt"
: >"$TIMES"
# CPU time of the backend that runs the query (/proc/self/schedstat, in ns), not wall time:
# other work on the machine (builds, other tests) then barely moves the figures.
CPU="SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS cpu"
timeit() { # timeit NAME SQL
    local ms
    ms=$( { echo "$SETTINGS"; echo "$CPU \\gset before_"; echo "$2;"; echo "SELECT round((($CPU) - :before_cpu) / 1e6, 3);"; } |
          "${PSQL[@]}" -tA -d "$DB" | tail -1)
    echo "$1 $ms" >>"$TIMES"
}

# Every pair must agree before anything is timed.
check() { # check NAME SQL_A SQL_B
    local ok
    ok=$( { echo "$SETTINGS"; echo "SELECT abs(($2) - ($3)) <= 1e-9 * greatest(1, abs(($2)));"; } | "${PSQL[@]}" -tA -d "$DB")
    echo "$1 | $ok"
    [[ "$ok" == t ]]
}
echo "== results agree"
check "named_at = const_model" "${SQLS[1]}" "${SQLS[0]}"
check "named = const_model_no_as_of" "${SQLS[3]}" "${SQLS[2]}"
check "view = const_model_no_as_of" "${SQLS[4]}" "${SQLS[2]}"
check "view_all_columns = plain SQL over the view's columns" "${SQLS[5]}" \
    "SELECT sum(ces_score(a)) + sum(ces_band_rank(ces_score(a))) + sum(ces_event_count(a)) + sum(ces_depth(a))
            + count(*) + count(ces_last_seen(a))
     FROM (SELECT ces_agg(event, ts, ces_model(:'w', half_life => '7 days', lookback => '30 days')) a
           FROM events GROUP BY account) x"
check "join_named_as_of = join_model_at_per_row" "${SQLS[7]}" "${SQLS[8]}"
check "join_named_as_of = scores at each renewal (plain SQL)" "${SQLS[7]}" \
    "SELECT sum(w.weight * power(0.5, extract(epoch FROM r.renews - e.ts) / 604800))
     FROM events e JOIN renewals r USING (account)
     JOIN (SELECT key AS event, value::float8 AS weight FROM jsonb_each_text(:'w'::jsonb)) w USING (event)
     WHERE e.ts <= r.renews AND e.ts > r.renews - interval '30 days'"
# No per-row model functions left in the plan of the named query.
plan=$( { echo "$SETTINGS"; echo "EXPLAIN (VERBOSE, COSTS OFF) ${SQLS[1]};"; } | "${PSQL[@]}" -tA -d "$DB")
if grep -q jsonb_set <<<"$plan"; then echo "named_at plan still rebuilds the model per row:"; echo "$plan"; exit 1; fi

# Distinct as_of values: one per account, through ces_model_at per row (a model per
# account) and through the as_of argument (one model); time per row should not grow.
for n in $DISTINCT; do
    "${PSQL[@]}" -d "$DB" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS distinct_$n" \
        -c "CREATE TABLE distinct_$n AS SELECT a AS account, 'login'::text AS event,
                   $ASOF - a * interval '1 minute' AS ts, $ASOF - a * interval '1 minute' + interval '1 hour' AS as_of
            FROM generate_series(1, $n) a, generate_series(1, 4) b" >/dev/null
    add "distinct_const_$n" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $CONST) s FROM distinct_$n GROUP BY 1) x"
    add "distinct_model_at_$n" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model_at(ces_model('health'::text), as_of)) s FROM distinct_$n GROUP BY 1) x"
    add "distinct_as_of_arg_$n" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model('health'::text), as_of) s FROM distinct_$n GROUP BY 1) x"
done

if [[ "$MODE" == quick ]]; then
    for i in "${!NAMES[@]}"; do
        { echo "$SETTINGS"; echo "${SQLS[$i]};"; } | "${PSQL[@]}" -d "$DB" >/dev/null
    done
    echo "bench named quick: every query ran, every pair agreed"
    exit
fi

echo "== $RUNS interleaved runs of ${#NAMES[@]} queries"
for run in $(seq 1 "$RUNS"); do
    for i in "${!NAMES[@]}"; do timeit "${NAMES[$i]}" "${SQLS[$i]}"; done
done
OUT="bench/results/$(date -u +%Y-%m-%d)-named.md"
{
    echo "# Named models, score views and per-account as_of, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(psql -qXtA -d "$DB" -c 'SELECT version()' | cut -d, -f1), jit off, work_mem 256MB, serial."
    echo "Data: $ROWS events, $ACCOUNTS accounts, 8 event types over 90 days, random order; renewals: one date per account."
    echo "Model: 7 weights, half-life 7 days, lookback 30 days, published as 'health'. Medians of $RUNS interleaved runs"
    echo "of the backend's CPU time (/proc/self/schedstat), so other load on the machine barely counts."
    echo
    echo "| query | median CPU ms | baseline | baseline CPU ms | ratio |"
    echo "|---|---|---|---|---|"
    row() { local a b; a=$(median "$1"); b=$(median "$2"); echo "| $3 | $a | $4 | $b | $(ratio "$a" "$b")× |"; }
    row named_at const_model "\`ces_score(event, ts, ces_model_at(ces_model('health'::text), <as_of>))\`" "constant model, same as_of"
    row named const_model_no_as_of "\`ces_score(event, ts, ces_model('health'::text))\`" "constant model, no as_of"
    row view const_model_no_as_of "\`SELECT sum(score) FROM health_scores\` (ces_create_score_view)" "constant model, no as_of"
    row view_all_columns const_model_no_as_of "every column of \`health_scores\` (score, band, band_rank, last_seen, events, depth)" "constant model, no as_of"
    row join_named_as_of join_const "\`ces_score(e.event, e.ts, ces_model('health'::text), r.renews)\` joined to renewals" "same join, constant model and as_of"
    row join_model_at_per_row join_const "\`ces_score(e.event, e.ts, ces_model_at(ces_model('health'::text), r.renews))\`" "same join, constant model and as_of"
    set -- $DISTINCT
    for form in const model_at as_of_arg; do
        a=$(median "distinct_${form}_$1"); b=$(median "distinct_${form}_$2")
        echo "| distinct as_of values ($form): $(( $1 * 4 )) rows, $1 accounts → $(( $2 * 4 )) rows, $2 accounts | $b | the smaller | $a | $(ratio "$b" "$a")× for $(( $2 / $1 ))× the rows |"
    done
    echo
    echo "Run log (name, ms):"
    echo
    echo '```'
    cat "$TIMES"
    echo '```'
} >"$OUT"
cat "$OUT"
