#!/usr/bin/env bash
# Interleaved A/B of the hot queries between two builds, each on its own cluster holding the same
# bench database (made by bench/run.sh): base on port $BASE_PORT, new on $NEW_PORT. QS picks queries, N the rounds.
set -uo pipefail
DB=ces_bench_3000000_30000
W='{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3,"downgraded":-40,"invite_sent":2}'
MODEL="ces_model('$W', half_life => '7 days', lookback => '30 days', as_of => timestamptz '2026-10-01 00:00+00')"
declare -A Q
Q[floor]="SELECT sum(n) FROM (SELECT account, count(*) n FROM events_random GROUP BY 1) s"
Q[jsonb]="SELECT sum(s) FROM (SELECT account, ces_score(event, ts, '$W'::jsonb) s FROM events_random GROUP BY 1) x"
Q[decay]="SELECT sum(s) FROM (SELECT account, ces_score(event, ts, $MODEL) s FROM events_random GROUP BY 1) x"
Q[agg]="SELECT sum(ces_score(s)) FROM (SELECT account, ces_agg(event, ts, $MODEL) s FROM events_random GROUP BY 1) x"
Q[history]="SELECT sum(cardinality(s)) FROM (SELECT account, ces_history(event, ts, ces_model('$W', half_life => '7 days', lookback => '30 days'), timestamptz '2026-07-04 00:00+00', 86400000000, 90, 0) s FROM events_random GROUP BY 1) x"
Q[raw]="SELECT sum(s) FROM (SELECT account, ces_score(event, ts, ces_model('$W', half_life => '7 days', as_of => timestamptz '2026-10-01 00:00+00')) s FROM events_dense WHERE ts > timestamptz '2026-10-01 00:00+00' - interval '30 days' GROUP BY 1) x"
Q[rollup]="SELECT sum(s) FROM (SELECT account, ces_score_at(ces_rollup(summary), timestamptz '2026-10-01 00:00+00') s FROM daily_dense WHERE day >= timestamptz '2026-10-01 00:00+00' - interval '30 days' GROUP BY 1) x"
t() { { echo "SET jit=off; SET work_mem='256MB'; SET max_parallel_workers_per_gather=0;"; echo '\timing on'; echo "$2;"; } |
      psql -qX -h /tmp -p "$1" -U postgres -d $DB | awk '/^Time:/ {t=$2} END {print t}'; }
for r in $(seq 1 ${N:-7}); do
  for q in ${QS:-floor jsonb decay agg history rollup}; do
    for side in base:${BASE_PORT:-55701} new:${NEW_PORT:-55702}; do echo "${side%%:*} $q $(t ${side##*:} "${Q[$q]}")"; done
  done
done
