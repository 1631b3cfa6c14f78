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

# "PASSED FAILED" counted in a pg_regress summary: PostgreSQL 15 prints "test x ... ok",
# 16 and later print TAP lines ("ok 1 - x", "not ok 2 - y").
regress_counts() {
    local ok bad
    ok=$(grep -cE '^ok [0-9]+|\.\.\. ok' "$1" || true)
    bad=$(grep -cE '^not ok [0-9]+|\.\.\. FAILED' "$1" || true)
    echo "$ok $bad"
}
