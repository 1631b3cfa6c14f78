#!/usr/bin/env bash
# Citus timings: restarts the 3-node cluster tests/citus.sh left in target/citus (run it
# first), loads ROWS events for ACCOUNTS accounts (32 shards on 2 workers), and prints the
# median of RUNS runs of each query, in ms. Grouped by plan (not the distribution column).
#   ROWS=2000000 ACCOUNTS=20000 RUNS=5 bash bench/citus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROWS="${ROWS:-2000000}" ACCOUNTS="${ACCOUNTS:-20000}" RUNS="${RUNS:-5}"
source scripts/cluster.sh
BASE="${CES_CITUS_PORT:-54351}"
DIR="$ROOT/target/citus"
NODES=(coord worker1 worker2)
[[ -f "$DIR/coord/data/PG_VERSION" ]] || { echo "run tests/citus.sh first" >&2; exit 1; }
trap 'for n in "${NODES[@]}"; do cluster_stop "$DIR/$n"; done' EXIT
export CLUSTER_OPTS="-c shared_preload_libraries=citus -c listen_addresses=127.0.0.1"
for i in 2 1 0; do cluster_start "$DIR/${NODES[$i]}" $((BASE + i)); done
W='{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3}'
psql -qX -v ON_ERROR_STOP=1 -h /tmp -p "$BASE" -U postgres -d ces <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS big, big_daily;
CREATE TABLE big (account int, plan text, event text, ts timestamptz);
SELECT create_distributed_table('big', 'account', shard_count := 32);
INSERT INTO big
SELECT a, (ARRAY['free','pro','enterprise'])[1 + a % 3],
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','other'])[1 + floor(random() * 6)::int],
       timestamptz '2026-07-03 00:00+00' + random() * interval '90 days'
FROM (SELECT floor(random() * $ACCOUNTS)::int AS a FROM generate_series(1, $ROWS)) x;
CREATE TABLE big_daily (account int, plan text, day timestamptz, summary ces_summary);
SELECT create_distributed_table('big_daily', 'account', colocate_with := 'big');
INSERT INTO big_daily
SELECT account, plan, date_trunc('day', ts, 'UTC'),
       ces_agg(event, ts, ces_model('$W', half_life => '7 days', as_of => date_trunc('day', ts, 'UTC') + interval '1 day'))
FROM big GROUP BY 1, 2, 3;
ANALYZE big, big_daily;
SQL
psql -qXtA -v ON_ERROR_STOP=1 -h /tmp -p "$BASE" -U postgres -d ces -v runs="$RUNS" <<SQL
CREATE TEMP TABLE t (q text, ms float8);
CREATE FUNCTION pg_temp.run(q text, sql text) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; BEGIN
    t0 := clock_timestamp();
    EXECUTE sql;
    INSERT INTO t VALUES (q, extract(epoch FROM clock_timestamp() - t0) * 1000);
END \$\$;
\o /dev/null
SELECT pg_temp.run(q, s)
FROM generate_series(1, :runs) r,
     (VALUES
       ('1 jsonb ces_score by plan (worker partials)', \$q\$SELECT plan, ces_score(event, ts, '$W'::jsonb) FROM big GROUP BY plan\$q\$),
       ('2 model ces_score by plan (row-gather)', \$q\$SELECT plan, ces_score(event, ts, ces_model('$W', half_life => '7 days', as_of => '2026-10-01 00:00+00')) FROM big GROUP BY plan\$q\$),
       ('3 ces_agg per account, ces_rollup by plan', \$q\$SELECT plan, ces_score(ces_rollup(s)) FROM (SELECT account, plan, ces_agg(event, ts, ces_model('$W', half_life => '7 days', as_of => '2026-10-01 00:00+00')) s FROM big GROUP BY account, plan) a GROUP BY plan\$q\$),
       ('4 ces_agg per account, ces_rollup_dist by plan', \$q\$SELECT plan, ces_score(ces_rollup_dist(s)) FROM (SELECT account, plan, ces_agg(event, ts, ces_model('$W', half_life => '7 days', as_of => '2026-10-01 00:00+00')) s FROM big GROUP BY account, plan) a GROUP BY plan\$q\$),
       ('5 daily summaries, ces_rollup by plan (row-gather)', \$q\$SELECT plan, ces_score(ces_rollup(summary)) FROM big_daily GROUP BY plan\$q\$),
       ('6 daily summaries, ces_rollup_dist by plan (worker partials)', \$q\$SELECT plan, ces_score(ces_rollup_dist(summary)) FROM big_daily GROUP BY plan\$q\$),
       ('8 jsonb ces_score per account, sum by plan', \$q\$SELECT plan, sum(s) FROM (SELECT account, plan, ces_score(event, ts, '$W'::jsonb) s FROM big GROUP BY account, plan) a GROUP BY plan\$q\$),
       ('7 model ces_score by account (pushed down)', \$q\$SELECT account, ces_score(event, ts, ces_model('$W', half_life => '7 days', as_of => '2026-10-01 00:00+00')) FROM big GROUP BY account\$q\$)
     ) q(q, s);
\o
SELECT (SELECT count(*) FROM big) || ' events, ' || (SELECT count(*) FROM big_daily) || ' daily summaries; median of $RUNS runs';
SELECT format('%s: %s ms', q, round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1)) FROM t GROUP BY q ORDER BY q;
SQL
