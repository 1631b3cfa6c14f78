#!/usr/bin/env bash
# ces_rollup (internal state) against ces_rollup_dist (ces_summary state, which Citus can
# split) on one node, same session: per-account daily summaries of ROWS events rolled up
# per account, per plan and in total. Prints the median of RUNS runs of each, in ms.
#   ROWS=2000000 ACCOUNTS=20000 RUNS=5 bash bench/rollup_dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROWS="${ROWS:-2000000}" ACCOUNTS="${ACCOUNTS:-20000}" RUNS="${RUNS:-5}"
source bench/lib.sh
bench_cluster "$ROOT/target/pg-bench-rollup"
DB="ces_rollup_${ROWS}_${ACCOUNTS}"
SO_MD5=$(md5sum <"$(pg_config --pkglibdir)/ces.so" | cut -d' ' -f1)
if ! psql -qXtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
    [[ "$(psql -qXtA -d "$DB" -c "SELECT obj_description('daily'::regclass)" 2>/dev/null)" != "$SO_MD5" ]]; then
    echo "== generating $ROWS events for $ACCOUNTS accounts, daily summaries"
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    psql -qX -v ON_ERROR_STOP=1 -d "$DB" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION ces;
SELECT setseed(0.5);
CREATE TABLE daily AS
SELECT account, (ARRAY['free','pro','enterprise'])[1 + account % 3] AS plan, day,
       ces_agg(event, ts, ces_model('{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2}',
                                    half_life => '7 days', as_of => day + interval '1 day')) AS summary
FROM (SELECT (random() * ($ACCOUNTS - 1))::int AS account,
             (ARRAY['login','project_added','team_member_added','upgraded','support_ticket',
                    'downgraded','invite_sent','report_viewed'])[1 + floor(random() * 8)::int] AS event,
             ts, date_trunc('day', ts, 'UTC') AS day
      FROM (SELECT timestamptz '2026-10-01 00:00+00' - random() * interval '90 days' AS ts
            FROM generate_series(1, $ROWS)) t) e
GROUP BY account, day ORDER BY day, account;
COMMENT ON TABLE daily IS '$SO_MD5';
VACUUM ANALYZE daily;
SQL
fi
echo "== $(psql -qXtA -d "$DB" -c "SELECT count(*) FROM daily") daily summaries; median of $RUNS runs, ms"
psql -qXtA -d "$DB" -v ON_ERROR_STOP=1 -v runs="$RUNS" <<'SQL'
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE t (q text, agg text, ms float8);
CREATE FUNCTION pg_temp.run(q text, agg text, sql text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; BEGIN
    t0 := clock_timestamp();
    EXECUTE format(sql, agg);
    INSERT INTO t VALUES (q, agg, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
\o /dev/null
SELECT pg_temp.run(q, a, s)
FROM generate_series(1, :runs) r,
     (VALUES ('per account', 'SELECT sum(ces_score(x)) FROM (SELECT %s(summary) x FROM daily GROUP BY account) y'),
             ('per plan', 'SELECT sum(ces_score(x)) FROM (SELECT %s(summary) x FROM daily GROUP BY plan) y'),
             ('total', 'SELECT ces_score(%s(summary)) FROM daily')) q(q, s),
     unnest(ARRAY['ces_rollup', 'ces_rollup_dist']) a;
\o
SELECT format('%s: ces_rollup %s ms, ces_rollup_dist %s ms, ratio %s', q, round(a::numeric, 1), round(b::numeric, 1),
              round((b / a)::numeric, 2))
FROM (SELECT q, percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE agg = 'ces_rollup') a,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE agg = 'ces_rollup_dist') b
      FROM t GROUP BY q) m ORDER BY q;
SELECT 'results equal: ' || bool_and(abs(a - b) <= 1e-9 * greatest(abs(a), 1))
FROM (SELECT ces_score(ces_rollup(summary)) a, ces_score(ces_rollup_dist(summary)) b FROM daily GROUP BY account) z;
SQL
