#!/usr/bin/env bash
# Builds ces in release mode and installs it into the PostgreSQL 15 that pg_config names.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== build and install the extension"
cargo pgrx install --release --pg-config "$(command -v pg_config)" 2>&1 |
    grep -E "error|warning|Finished installing" || true
test -f "$(pg_config --pkglibdir)/ces.so"
