#!/usr/bin/env bash
# Citus: a coordinator and 2 workers (separate PostgreSQL 15 clusters on loopback ports,
# shared_preload_libraries = citus), ces on each, an events table distributed by account
# (32 shards) and the same rows in a local table on the coordinator.
# Asserts that every ces aggregate gives the local table's result (exactly for integer
# weights, within 1e-9 relative for decayed sums, whose rows arrive in another order), grouped
# by the distribution column (pushed down whole) and by plan / segment (split into worker
# partials where the state type allows it), and what EXPLAIN VERBOSE shows running on the workers.
# Citus is built once by scripts/citus.sh (cached). Every server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
trap 'echo "citus: FAILED at tests/citus.sh line $LINENO (server logs in target/citus/*/server.log)"' ERR

if ! bash scripts/citus.sh; then
    echo "citus: FAILED: could not build Citus (see above)"
    exit 1
fi

source scripts/cluster.sh
BASE="${CES_CITUS_PORT:-54351}"
DIR="$ROOT/target/citus"
# Citus nodes talk over TCP on loopback; initdb -A trust lets them in without passwords.
export CLUSTER_OPTS="-c shared_preload_libraries=citus -c listen_addresses=127.0.0.1"
cluster_nodes "$DIR" "$BASE" coord worker1 worker2
unset CLUSTER_OPTS
for i in 0 1 2; do
    q $((BASE + i)) -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION ces" >/dev/null
done

C="$BASE"
q "$C" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT citus_set_coordinator_host('127.0.0.1', $C);
SELECT citus_add_node('127.0.0.1', $((BASE + 1)));
SELECT citus_add_node('127.0.0.1', $((BASE + 2)));
-- plan is per account, segment per row: both are non-distribution columns.
SELECT setseed(0.4);
CREATE TABLE events_local AS
SELECT a AS account, (ARRAY['free','pro','enterprise'])[1 + a % 3] AS plan,
       (ARRAY['web','mobile','api','email'])[1 + floor(random() * 4)::int] AS segment,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','other'])[1 + floor(random() * 6)::int] AS event,
       timestamptz '2026-09-01 00:00+00' + random() * interval '30 days' AS ts
FROM (SELECT (random() * 1999)::int AS a FROM generate_series(1, 100000)) x;
CREATE TABLE renewals_local AS SELECT a AS account, (a * 7919) % 5 <> 0 AS renewed FROM generate_series(0, 1999) a;
CREATE TABLE events (LIKE events_local);
SELECT create_distributed_table('events', 'account', shard_count := 32);
INSERT INTO events SELECT * FROM events_local;
CREATE TABLE renewals (LIKE renewals_local);
SELECT create_distributed_table('renewals', 'account', colocate_with := 'events');
INSERT INTO renewals SELECT * FROM renewals_local;
ANALYZE;
SQL
[[ "$(q "$C" -c "SELECT count(*) FROM citus_get_active_worker_nodes()")" == 2 ]] ||
    { echo "citus: FAILED: 2 active workers expected"; exit 1; }

W="'{\"login\":1,\"project_added\":5,\"team_member_added\":10,\"upgraded\":50,\"support_ticket\":-3}'::jsonb"
M="ces_model($W, half_life => '7 days', lookback => '30 days', as_of => '2026-10-01 00:00+00')"
M0="ces_model($W, lookback => '30 days', as_of => '2026-10-01 00:00+00')" # integer sums, no decay
BANDS="'[{\"name\":\"low\",\"upto\":20},{\"name\":\"mid\",\"upto\":60},{\"name\":\"high\"}]'::jsonb"
fail=0
ok() { echo "citus: $1 ok"; }
bad() { echo "citus: $1 FAILED${2:+: $2}"; fail=1; }

# same NAME KEY TOL QUERY: QUERY gives the same rows on the distributed tables as on the local
# ones: each {L} in QUERY is replaced by nothing (events) and by _local (events_local).
# Columns are KEY then one value; TOL is "exact" or a relative tolerance.
same() {
    local name="$1" key="$2" tol="$3" sql="$4"
    local dist="${sql//\{L\}/}" local_="${sql//\{L\}/_local}"
    local cond="d.v IS NOT DISTINCT FROM l.v"
    [[ "$tol" == exact ]] || cond="abs(d.v - l.v) <= $tol * greatest(abs(l.v), 1)"
    local got
    got=$(q "$C" -c "CREATE TEMP TABLE d AS $dist" -c "CREATE TEMP TABLE l AS $local_" -c "
        SELECT (SELECT count(*) FROM l) || ' rows, ' ||
               (SELECT count(*) FROM l FULL JOIN d USING ($key) WHERE NOT coalesce($cond, false)) || ' differ'") ||
        { bad "$name" "query failed"; return; }
    if [[ "$got" =~ ^[1-9][0-9]*\ rows,\ 0\ differ$ ]]; then ok "$name ($got)"; else bad "$name" "$got"; fi
}

# explain NAME PATTERN QUERY: EXPLAIN (VERBOSE) of QUERY on the distributed table matches PATTERN.
explain() {
    local name="$1" pattern="$2" sql="${3//\{L\}/}"
    local plan
    plan=$(q "$C" -c "EXPLAIN (VERBOSE, COSTS OFF) $sql") || { bad "$name" "EXPLAIN failed"; return; }
    if grep -qE "$pattern" <<<"$plan"; then ok "$name"; else bad "$name" "no /$pattern/ in:"; echo "$plan" | head -40; fi
}

echo "== grouped by the distribution column: pushed down whole"
same "jsonb ces_score by account" account exact \
    "SELECT account, ces_score(event, ts, $W) AS v FROM events{L} GROUP BY account"
same "model ces_score by account" account 1e-9 \
    "SELECT account, ces_score(event, ts, $M) AS v FROM events{L} GROUP BY account"
same "ces_agg by account, event counts" account exact \
    "SELECT account, ces_event_count(ces_agg(event, ts, $M)) AS v FROM events{L} GROUP BY account"
same "ces_agg by account, scores" account 1e-9 \
    "SELECT account, ces_score(ces_agg(event, ts, $M)) AS v FROM events{L} GROUP BY account"
same "bands per account" account exact \
    "SELECT account, ces_band(ces_score(event, ts, $W), $BANDS) AS v FROM events{L} GROUP BY account"
explain "model ces_score runs whole on the workers" \
    "Query: SELECT account, public\.ces_score\(event, ts, .* GROUP BY account$" \
    "SELECT account, ces_score(event, ts, $M) FROM events{L} GROUP BY account"
explain "ces_agg runs whole on the workers" \
    "Query: SELECT account, public\.ces_agg\(event, ts, .* GROUP BY account$" \
    "SELECT account, ces_agg(event, ts, $M) FROM events{L} GROUP BY account"

echo "== grouped by plan / segment (not the distribution column)"
same "jsonb ces_score by segment" segment exact \
    "SELECT segment, ces_score(event, ts, $W) AS v FROM events{L} GROUP BY segment"
explain "jsonb ces_score by segment splits into worker partials" \
    "Query: SELECT segment, pg_catalog\.worker_partial_agg\('public\.ces_score\(text,timestamp with time zone,jsonb\)'.* GROUP BY segment$" \
    "SELECT segment, ces_score(event, ts, $W) FROM events{L} GROUP BY segment"
same "model ces_score by segment" segment 1e-9 \
    "SELECT segment, ces_score(event, ts, $M) AS v FROM events{L} GROUP BY segment"
# An internal state cannot travel: Citus fetches the rows and aggregates on the coordinator.
explain "model ces_score by segment gathers the rows (internal state)" \
    "Query: SELECT segment, event AS ces_score, ts AS ces_score, .* FROM public\.events_[0-9]+ events WHERE true$" \
    "SELECT segment, ces_score(event, ts, $M) FROM events{L} GROUP BY segment"
same "model ces_score without decay by segment" segment exact \
    "SELECT segment, ces_score(event, ts, $M0) AS v FROM events{L} GROUP BY segment"
# by_plan NAME ROLLUP MODEL TOLERANCE: ces_agg per account and plan, then ROLLUP by plan.
by_plan() {
    same "$1" plan "$4" "SELECT plan, ces_score($2(s)) AS v
     FROM (SELECT account, plan, ces_agg(event, ts, $3) AS s FROM events{L} GROUP BY account, plan) a GROUP BY plan"
}
by_plan "ces_agg then ces_rollup_dist by plan, no decay" ces_rollup_dist "$M0" exact
by_plan "ces_agg then ces_rollup by plan" ces_rollup "$M" 1e-9
by_plan "ces_agg then ces_rollup_dist by plan" ces_rollup_dist "$M" 1e-9
same "ces_agg then ces_rollup_dist by plan, event counts" plan exact \
    "SELECT plan, ces_event_count(ces_rollup_dist(s)) AS v
     FROM (SELECT account, plan, ces_agg(event, ts, $M) AS s FROM events{L} GROUP BY account, plan) a GROUP BY plan"
same "ces_agg per account and segment, ces_rollup_dist by segment" segment 1e-9 \
    "SELECT segment, ces_score(ces_rollup_dist(s)) AS v
     FROM (SELECT account, segment, ces_agg(event, ts, $M) AS s FROM events{L} GROUP BY account, segment) a GROUP BY segment"
explain "two-step: ces_agg runs on the workers, ces_rollup on the coordinator" \
    "Query: SELECT .*public\.ces_agg\(events\.event, events\.ts, .* GROUP BY events\.account, events\.plan\) a\) worker_subquery$" \
    "SELECT plan, ces_rollup(s) FROM (SELECT account, plan, ces_agg(event, ts, $M) AS s FROM events{L} GROUP BY account, plan) a GROUP BY plan"
explain "two-step with ces_rollup_dist: ces_agg and partial rollups on the workers" \
    "Query: SELECT .*worker_partial_agg\('public\.ces_rollup_dist\(public\.ces_summary\)'.*public\.ces_agg\(events\.event, events\.ts, .* GROUP BY worker_column_1$" \
    "SELECT plan, ces_rollup_dist(s) FROM (SELECT account, plan, ces_agg(event, ts, $M) AS s FROM events{L} GROUP BY account, plan) a GROUP BY plan"
same "bands by plan" plan exact \
    "SELECT plan || ':' || band AS plan, count(*) AS v
     FROM (SELECT account, plan, ces_band(ces_score(event, ts, $W), $BANDS) AS band FROM events{L} GROUP BY account, plan) a
     GROUP BY plan, band"

echo "== ces_auc and ces_lift over per-account scores (pushed down), by plan and overall"
per_account="SELECT e.account, e.plan, ces_score(e.event, e.ts, $W) AS score, bool_and(r.renewed) AS renewed
             FROM events{L} e JOIN renewals{L} r USING (account) GROUP BY e.account, e.plan"
same "ces_auc by plan" plan exact "SELECT plan, ces_auc(score, renewed) AS v FROM ($per_account) a GROUP BY plan"
same "ces_lift by plan" plan exact "SELECT plan, ces_lift(score, renewed, $BANDS)::text AS v FROM ($per_account) a GROUP BY plan"
same "ces_auc overall" k exact "SELECT 1 AS k, ces_auc(score, renewed) AS v FROM ($per_account) a"
same "ces_lift overall" k exact "SELECT 1 AS k, ces_lift(score, renewed)::text AS v FROM ($per_account) a"
explain "per-account scores for ces_auc run on the workers" \
    "Query: SELECT .*public\.ces_score\(e\.event, e\.ts, .* GROUP BY e\.account, e\.plan" "SELECT plan, ces_auc(score, renewed) FROM ($per_account) a GROUP BY plan"

echo "== daily summaries in a distributed table, rolled up by plan"
q "$C" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE daily_local AS
SELECT account, plan, date_trunc('day', ts, 'UTC') AS day,
       ces_agg(event, ts, ces_model($W, half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day')) AS summary
FROM events_local GROUP BY 1, 2, 3;
CREATE TABLE daily (LIKE daily_local);
SELECT create_distributed_table('daily', 'account', colocate_with := 'events');
INSERT INTO daily SELECT * FROM daily_local;
SQL
for agg in ces_rollup ces_rollup_dist; do
    same "$agg of daily summaries by plan" plan 1e-9 \
        "SELECT plan, ces_score($agg(summary)) AS v FROM daily{L} GROUP BY plan"
done
# One node, one scan order: the two rollups give the same summary, and its text form round-trips.
if [[ "$(q "$C" -c "SELECT bool_and(a = b AND a::ces_summary::text = a)
    FROM (SELECT ces_rollup(summary)::text a, ces_rollup_dist(summary)::text b FROM daily_local GROUP BY plan) x")" == t ]]; then
    ok "ces_rollup_dist equals ces_rollup, text round-trips"
else
    bad "ces_rollup_dist equals ces_rollup, text round-trips"
fi
explain "ces_rollup_dist of daily summaries splits into worker partials" \
    "Query: SELECT plan, worker_partial_agg\('public\.ces_rollup_dist\(public\.ces_summary\)'.* GROUP BY plan$" "SELECT plan, ces_rollup_dist(summary) FROM daily GROUP BY plan"

if [[ $fail -ne 0 ]]; then
    echo "citus: FAILED (server logs in $DIR/*/server.log)"
    exit 1
fi
echo "citus: ok"
