#!/usr/bin/env bash
# Scale-out over postgres_fdw: a coordinator and 2 shard servers (separate PostgreSQL 15
# clusters on loopback ports, run as postgres, sockets in /tmp), ces on each. The coordinator
# holds a table partitioned by hash(account) whose partitions are foreign tables on the shards.
# Asserts: GROUP BY account pushes ces_score down (Remote SQL), results equal a single-node
# copy, and GROUP BY plan works through per-shard ces_agg summaries + ces_rollup.
# Every server is stopped at the end, even when an assertion fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/cluster.sh
BASE="${CES_SCALEOUT_PORT:-54341}"
cluster_nodes "$ROOT/target/scaleout" "$BASE" coord shard1 shard2
for i in 0 1 2; do
    q $((BASE + i)) -c "CREATE EXTENSION ces" >/dev/null
done
for s in 1 2; do
    q $((BASE + s)) -c "CREATE TABLE events_p$((s - 1)) (account int, plan text, event text, ts timestamptz)"
done

q "$BASE" >/dev/null <<SQL
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '/tmp', port '$((BASE + 1))', dbname 'ces', extensions 'ces');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '/tmp', port '$((BASE + 2))', dbname 'ces', extensions 'ces');
CREATE USER MAPPING FOR postgres SERVER shard1 OPTIONS (user 'postgres');
CREATE USER MAPPING FOR postgres SERVER shard2 OPTIONS (user 'postgres');
CREATE TABLE events (account int, plan text, event text, ts timestamptz) PARTITION BY HASH (account);
CREATE FOREIGN TABLE events_p0 PARTITION OF events FOR VALUES WITH (MODULUS 2, REMAINDER 0)
    SERVER shard1 OPTIONS (table_name 'events_p0');
CREATE FOREIGN TABLE events_p1 PARTITION OF events FOR VALUES WITH (MODULUS 2, REMAINDER 1)
    SERVER shard2 OPTIONS (table_name 'events_p1');
-- The same rows on the coordinator, for single-node results.
SELECT setseed(0.4);
CREATE TABLE events_local AS
SELECT a AS account, (ARRAY['free','pro','enterprise'])[1 + a % 3] AS plan,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','other'])[1 + (random() * 5.999)::int] AS event,
       timestamptz '2026-09-01 00:00+00' + random() * interval '30 days' AS ts
FROM (SELECT (random() * 1999)::int AS a FROM generate_series(1, 50000)) x;
INSERT INTO events SELECT * FROM events_local;
SQL
for s in 1 2; do q $((BASE + s)) -c "ANALYZE" ; done
q "$BASE" -c "ANALYZE"

W="'{\"login\":1,\"project_added\":5,\"team_member_added\":10,\"upgraded\":50,\"support_ticket\":-3}'"
M="ces_model($W, half_life => '7 days', lookback => '30 days', as_of => '2026-10-01 00:00+00')"
SET="SET enable_partitionwise_aggregate = on;"
fail=0
check() { # check NAME VALUE: VALUE must be "t"
    if [[ "$2" == "t" ]]; then echo "scaleout: $1 ok"; else echo "scaleout: $1 FAILED ($2)"; fail=1; fi
}
pushed() { # pushed NAME PATTERN QUERY: the plan of QUERY sends PATTERN to the shards
    local plan
    plan=$(q "$BASE" -c "$SET" -c "EXPLAIN (VERBOSE, COSTS OFF) $3")
    if grep -q "$2" <<<"$plan"; then
        echo "scaleout: $1 pushed down to the shards ok"
    else
        echo "scaleout: $1 not pushed down FAILED"; echo "$plan"; fail=1
    fi
}

# 1. GROUP BY the partition key: the whole aggregate runs on the shards.
pushed ces_score "Remote SQL: SELECT account, public.ces_score(event, ts" \
    "SELECT account, ces_score(event, ts, $W::jsonb) FROM events GROUP BY account"
check "jsonb ces_score equals single node" "$(q "$BASE" -c "$SET" -c "
    SELECT count(*) = 0 FROM (
      (SELECT account, ces_score(event, ts, $W::jsonb) FROM events GROUP BY account
       EXCEPT SELECT account, ces_score(event, ts, $W::jsonb) FROM events_local GROUP BY account)
      UNION ALL
      (SELECT account, ces_score(event, ts, $W::jsonb) FROM events_local GROUP BY account
       EXCEPT SELECT account, ces_score(event, ts, $W::jsonb) FROM events GROUP BY account)) d")"
check "decay model ces_score equals single node" "$(q "$BASE" -c "$SET" -c "
    SELECT count(*) = (SELECT count(DISTINCT account) FROM events_local)
    FROM (SELECT account, ces_score(event, ts, $M) s FROM events GROUP BY account) r
    JOIN (SELECT account, ces_score(event, ts, $M) s FROM events_local GROUP BY account) l USING (account)
    WHERE abs(r.s - l.s) <= 1e-9 * greatest(abs(l.s), 1)")"

# 2. GROUP BY plan (not the partition key): per-shard ces_agg summaries, ces_rollup on the coordinator.
two_step="SELECT plan, ces_score(ces_rollup(s)) AS score, ces_event_count(ces_rollup(s)) AS n
          FROM (SELECT account, plan, ces_agg(event, ts, $M) AS s FROM events GROUP BY account, plan) per_account
          GROUP BY plan"
pushed ces_agg "Remote SQL: SELECT account, plan, public.ces_agg(event, ts" "$two_step"
check "two-step GROUP BY plan equals single node" "$(q "$BASE" -c "$SET" -c "
    SELECT count(*) = 3 FROM ($two_step) r
    JOIN (SELECT plan, ces_score(event, ts, $M) AS score, ces_event_count(ces_agg(event, ts, $M)) AS n
          FROM events_local GROUP BY plan) l USING (plan)
    WHERE abs(r.score - l.score) <= 1e-9 * greatest(abs(l.score), 1) AND r.n = l.n")"

if [[ $fail -eq 0 ]]; then echo "scaleout: ok"; fi
exit $fail
