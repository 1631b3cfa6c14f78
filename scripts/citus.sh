#!/usr/bin/env bash
# Builds Citus 13.2.2 (a test dependency only, AGPL, never shipped with ces) from the shared
# source archive into the PostgreSQL that `pg_config` on PATH names. Cached: a stamp next to
# the installed citus.so records the archive, the patch and the .so; a match skips the build.
# CITUS_ARCHIVE overrides the archive path (default ../shared/citus/citus-13.2.2.tar.gz).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

ARCHIVE="${CITUS_ARCHIVE:-$ROOT/../shared/citus/citus-13.2.2.tar.gz}"
PATCH="$ROOT/scripts/citus-pg15.patch"
PG_CONFIG="$(command -v pg_config)"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
STAMP="$PKGLIBDIR/citus.ces-stamp"

if [[ ! -f "$ARCHIVE" ]]; then
    echo "citus: source archive not found: $ARCHIVE (set CITUS_ARCHIVE)" >&2
    exit 1
fi
source_id="$(cat "$ARCHIVE" "$PATCH" | sha256sum | cut -d' ' -f1) $("$PG_CONFIG" --version)"
if [[ -f "$PKGLIBDIR/citus.so" && -f "$STAMP" ]] &&
    [[ "$(cat "$STAMP")" == "$source_id $(sha256sum <"$PKGLIBDIR/citus.so" | cut -d' ' -f1)" ]]; then
    echo "citus: cached build in $PKGLIBDIR"
    exit 0
fi

for p in libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev; do
    if ! dpkg -s "$p" >/dev/null 2>&1; then
        echo "citus: build package $p missing (scripts/setup.sh installs it)" >&2
        exit 1
    fi
done

BUILD="$ROOT/target/citus-build"
echo "citus: building Citus into $PKGLIBDIR (about 2 min on 2 cores, once)"
rm -rf "$BUILD" && mkdir -p "$BUILD"
tar xzf "$ARCHIVE" -C "$BUILD" --strip-components=1
patch -d "$BUILD" -p1 -s <"$PATCH"
(
    cd "$BUILD"
    ./configure -q PG_CONFIG="$PG_CONFIG" >"$BUILD/configure.out" 2>&1 ||
        { tail -30 "$BUILD/configure.out"; exit 1; }
    make -s -j"$(nproc)" with_llvm=no >"$BUILD/make.out" 2>&1 ||
        { grep -E "error|Error" "$BUILD/make.out" | head -30; exit 1; }
    make -s install with_llvm=no >"$BUILD/install.out" 2>&1 ||
        { tail -30 "$BUILD/install.out"; exit 1; }
) || { echo "citus: build failed, logs in $BUILD" >&2; exit 1; }
echo "$source_id $(sha256sum <"$PKGLIBDIR/citus.so" | cut -d' ' -f1)" >"$STAMP"
echo "citus: installed $(grep -m1 default_version "$("$PG_CONFIG" --sharedir)/extension/citus.control")"
