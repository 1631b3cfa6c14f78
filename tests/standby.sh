#!/usr/bin/env bash
# Read paths on a hot standby (issue 11): a primary, and a streaming replica made with
# pg_basebackup -R (both run as postgres). On the standby, where no transaction ID can be
# assigned, model names resolve, the score aggregates run and a generated score view reads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/cluster.sh
BASE="${CES_STANDBY_PORT:-54361}"
DIR="$ROOT/target/standby"
cleanup() { cluster_stop "$DIR/standby"; cluster_stop "$DIR/primary"; }
trap cleanup EXIT
rm -rf "$DIR"
cluster_start "$DIR/primary" "$BASE"
psql -qX -v ON_ERROR_STOP=1 -h /tmp -p "$BASE" -U postgres -d postgres >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
SELECT ces_define_model('health', '{"login":1,"project_added":5,"upgraded":50}');
CREATE TABLE events AS
SELECT 'acct' || (i % 50) AS account, (ARRAY['login','project_added','upgraded','other'])[1 + i % 4] AS event,
       timestamptz '2026-11-01 00:00+00' + i * interval '7 minutes' AS ts
FROM generate_series(1, 5000) i;
SELECT ces_create_score_view('health_scores', 'events', 'account', 'event', 'ts', 'health');
SQL
mkdir -p "$DIR/standby"; chown postgres: "$DIR/standby"
sudo -u postgres "$PG_BINDIR/pg_basebackup" -h /tmp -p "$BASE" -U postgres -D "$DIR/standby/data" -R -X stream
cluster_start "$DIR/standby" $((BASE + 1))
q() { psql -qXtA -v ON_ERROR_STOP=1 -h /tmp -p $((BASE + 1)) -U postgres -d postgres -c "$1"; }
[[ "$(q 'SELECT pg_is_in_recovery()')" == t ]] || { echo "standby: not in recovery"; exit 1; }
expected=$(psql -qXtA -h /tmp -p "$BASE" -U postgres -d postgres -c \
    "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, '{\"login\":1,\"project_added\":5,\"upgraded\":50}'::jsonb) s FROM events GROUP BY 1) x")
status=0
check() { # check NAME SQL: the query runs on the standby and returns $expected
    local got
    if ! got=$(q "$2" 2>&1); then echo "standby: $1 failed: $got"; status=1
    elif [[ "$got" != "$expected" ]]; then echo "standby: $1 gave $got, expected $expected"; status=1
    else echo "standby: $1 ok"; fi
}
check "a name cast in ces_score" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, 'health'::text::ces_model) s FROM events GROUP BY 1) x"
check "ces_model(name)" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model('health'::text)) s FROM events GROUP BY 1) x"
check "the generated score view" "SELECT sum(score) FROM health_scores"
check "a READ ONLY name lookup in a parallel plan" "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SELECT sum(s) FROM (SELECT account, ces_score(event, ts, 'health'::text::ces_model) s FROM events GROUP BY 1) x"
check "ces_model(name) and ces_model_at in a parallel plan" "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model_at(ces_model('health'::text), NULL)) s FROM events GROUP BY 1) x"
check "the as_of argument, one per account" "SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model('health'::text), NULL) s FROM events GROUP BY 1) x"
exit "$status"
