#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root), builds and installs ces,
# starts a throwaway PostgreSQL 15 cluster under target/demo, loads the sample and runs
# the demo. The cluster is stopped at the end; pass --keep to leave it running.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
KEEP=false
[[ "${1:-}" == "--keep" ]] && KEEP=true

bash scripts/setup.sh
bash scripts/build.sh

source scripts/cluster.sh
DIR="$ROOT/target/demo"
PORT="${CES_DEMO_PORT:-54330}"
cluster_start "$DIR" "$PORT"
$KEEP || trap 'cluster_stop "$DIR"' EXIT

PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS ces_demo" -c "CREATE DATABASE ces_demo" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d ces_demo -c "CREATE EXTENSION ces" -f demo/sample_data.sql >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d ces_demo -f demo/demo.sql

if $KEEP; then
    echo
    echo "The demo cluster is still running. Connect with:"
    echo "  psql -h /tmp -p $PORT -U postgres ces_demo"
    echo "Stop it with:"
    echo "  sudo -u postgres $PG_BINDIR/pg_ctl -D $DIR/data stop"
fi
