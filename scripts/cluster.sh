#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters for the demo, the tests and the benchmark.
# initdb refuses root, so the server runs as `postgres`; root connects over a socket in /tmp.
# Source this file, then: cluster_start DIR PORT; ... ; cluster_stop DIR
# CLUSTER_OPTS adds server options ("-c shared_buffers=4GB").
set -euo pipefail

PG_BINDIR="$(pg_config --bindir)"

cluster_start() {
    local dir="$1" port="$2"
    mkdir -p "$dir"
    chown postgres: "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        sudo -u postgres "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust --no-sync \
            -E UTF8 --locale=C >"$dir/initdb.log"
    fi
    # A server left behind by an interrupted run is stopped first.
    sudo -u postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 &&
        sudo -u postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
    # Each start gets a fresh log, so scripts/test.sh can tell whether this run crashed a backend.
    [[ -f "$dir/server.log" ]] && mv -f "$dir/server.log" "$dir/server.log.prev"
    sudo -u postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k /tmp -c listen_addresses='' -c fsync=off -c jit=off ${CLUSTER_OPTS:-}" start >/dev/null
    export PGHOST=/tmp PGPORT="$port" PGUSER=postgres
}

# Lines of the server logs under DIR that show a crashed backend (a Rust panic that
# escaped, an abort, a segfault): PostgreSQL then restarts and cuts every session off.
cluster_crashes() {
    find "$1" -name server.log -print0 2>/dev/null |
        xargs -0 -r grep -HE "terminated by signal|was terminated by exception|PANIC:" || true
}

cluster_stop() {
    local dir="$1"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        sudo -u postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
}

# Fresh clusters DIR/NAME... on ports BASE, BASE+1, ... (CLUSTER_OPTS applies to each), each
# with an empty database "ces"; all of them stop when the calling script exits.
cluster_nodes() {
    local dir="$1" base="$2" i
    shift 2
    NODES_DIR="$dir"
    NODES=("$@")
    trap cluster_nodes_stop EXIT
    cluster_nodes_stop # servers left behind by an interrupted run
    rm -rf "$dir"
    for i in "${!NODES[@]}"; do
        cluster_start "$dir/${NODES[$i]}" $((base + i))
        psql -qX -h /tmp -p $((base + i)) -U postgres -d postgres -c "CREATE DATABASE ces" >/dev/null
    done
}

cluster_nodes_stop() {
    local n
    for n in "${NODES[@]}"; do cluster_stop "$NODES_DIR/$n"; done
}

# q PORT SQL...: runs SQL on a node's database "ces", unaligned, tuples only.
q() {
    local port="$1"
    shift
    psql -qXtA -v ON_ERROR_STOP=1 -h /tmp -p "$port" -U postgres -d ces "$@"
}

# "PASSED FAILED" counted in a pg_regress summary: PostgreSQL 15 prints "test x ... ok",
# 16 and later print TAP lines ("ok 1 - x", "not ok 2 - y").
regress_counts() {
    local ok bad
    ok=$(grep -cE '^ok [0-9]+|\.\.\. ok' "$1" || true)
    bad=$(grep -cE '^not ok [0-9]+|\.\.\. FAILED' "$1" || true)
    echo "$ok $bad"
}

# regress_run PG_REGRESS PORT OUT ARGS...: pg_regress (ARGS: --schedule=FILE or test names)
# against database ces_regress of the cluster on PORT, made when missing; the summary goes to
# OUT/summary.log, and the diffs are shown when a test fails. Returns pg_regress's status.
regress_run() {
    local pg_regress="$1" port="$2" out="$3" rc=0
    shift 3
    rm -rf "$out" && mkdir -p "$out"
    psql -qXtA -h /tmp -p "$port" -U postgres -d postgres \
        -c "SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'ces_regress'" | grep -q 1 ||
        psql -qX -h /tmp -p "$port" -U postgres -d postgres -c "CREATE DATABASE ces_regress" >/dev/null
    "$pg_regress" --use-existing --dbname=ces_regress --host=/tmp --port="$port" --user=postgres \
        --inputdir="$ROOT/tests" --outputdir="$out" --bindir="$PG_BINDIR" "$@" | tee "$out/summary.log" || rc=$?
    if [[ $rc -ne 0 ]]; then
        head -200 "$out/regression.diffs" 2>/dev/null || true
    fi
    return "$rc"
}
