#!/usr/bin/env bash
# A private, relocated copy of Debian's PostgreSQL 15 under DIR, so that several checkouts
# can install their own build of ces without touching the system's: PostgreSQL finds its
# share and lib directories relative to its binaries. Usage: scripts/private_pg.sh DIR,
# then put DIR/usr/lib/postgresql/15/bin first on PATH (pg_config, initdb, pg_ctl, ...).
set -euo pipefail
DIR="$1"
SRC_BIN="$(/usr/bin/pg_config --bindir)"   # /usr/lib/postgresql/15/bin
mkdir -p "$DIR/usr/lib/postgresql" "$DIR/usr/share/postgresql" "$DIR/usr/include"
cp -a /usr/lib/postgresql/15 "$DIR/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$DIR/usr/share/postgresql/"
cp -a /usr/include/postgresql "$DIR/usr/include/"
"$DIR/usr/lib/postgresql/15/bin/pg_config" --sharedir
