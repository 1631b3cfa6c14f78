#!/usr/bin/env bash
# Builds ces in release mode and installs it into the PostgreSQL that pg_config names
# (PostgreSQL 15 by default; scripts/pg_wheel.sh sets PG_CONFIG, CES_PG_FEATURE and CARGO_TARGET_DIR).
# Besides the generated ces--<version>.sql, pgrx copies the upgrade scripts sql/ces--A--B.sql;
# the frozen install scripts of released versions (sql/versions/) are copied here, so that
# CREATE EXTENSION ces VERSION '0.1.0' and ALTER EXTENSION ces UPDATE work with this build.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== build and install the extension"
PG_CONFIG="${PG_CONFIG:-$(command -v pg_config)}"
features=()
if [[ -n "${CES_PG_FEATURE:-}" ]]; then
    features=(--no-default-features --features "$CES_PG_FEATURE")
    export PGRX_PG_CONFIG_PATH="$PG_CONFIG" # no `cargo pgrx init` for this version
fi
# The whole log goes to a file; a failed build (a Rust error, or build.rs refusing an upgrade
# template) stops here instead of leaving the previous install in place for the tests.
log="${CARGO_TARGET_DIR:-target}/pgrx-install.log"
mkdir -p "$(dirname "$log")"
if ! cargo pgrx install --release "${features[@]}" --pg-config "$PG_CONFIG" >"$log" 2>&1; then
    tail -40 "$log"
    echo "build: cargo pgrx install failed (full log: $log)"
    exit 1
fi
grep -E "^(error|warning)|Finished installing" "$log" || true
test -f "$("$PG_CONFIG" --pkglibdir)/ces.so"
install -m 644 sql/versions/ces--*.sql "$("$PG_CONFIG" --sharedir)/extension/"
