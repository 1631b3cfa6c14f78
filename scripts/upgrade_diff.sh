#!/usr/bin/env bash
# Compares the catalog of an upgraded ces with a fresh install of the current version, and
# prints a readable diff (exit 1) when they differ. Needs a running server with this build
# installed (PGHOST/PGPORT/PGUSER set, e.g. by `source scripts/cluster.sh; cluster_start ...`).
#   scripts/upgrade_diff.sh                 # CREATE EXTENSION ces VERSION '<from>' + ALTER
#                                           # EXTENSION ces UPDATE vs CREATE EXTENSION ces,
#                                           # in two scratch databases; <from> = every frozen
#                                           # version in sql/versions/
#   scripts/upgrade_diff.sh DB_UPGRADED DB_FRESH   # two databases you prepared
# What is compared (scripts/catalog_listing.sql, OIDs stripped): every member of the
# extension; each function's signature, arguments and defaults, volatility, parallel safety,
# strictness, SECURITY DEFINER, proconfig, owner, ACL and full definition (body included);
# pg_aggregate rows; tables (columns, defaults, constraints, indexes, triggers, policies,
# ACLs), view definitions, sequences, types, operators, casts, comments, and the
# extension's configuration tables.
set -euo pipefail
cd "$(dirname "$0")/.."
EXT=ces
listing() { psql -XAtq -v ON_ERROR_STOP=1 -v ext="$EXT" -d "$1" -f scripts/catalog_listing.sql; }

compare() {
    local upgraded="$1" fresh="$2" label="${3:-upgraded}" out
    out="$(mktemp -d)"
    listing "$upgraded" >"$out/upgraded"
    listing "$fresh" >"$out/fresh"
    if diff -u --label "$label ($upgraded)" --label "fresh install ($fresh)" "$out/upgraded" "$out/fresh" >"$out/diff"; then
        echo "upgrade_diff: $label equals a fresh install ($(grep -c '^member ' "$out/fresh") members)"
        rm -rf "$out"
        return 0
    fi
    echo "upgrade_diff: $label differs from a fresh install ('-' upgraded, '+' fresh):"
    cat "$out/diff"
    rm -rf "$out"
    return 1
}

if [[ $# -ge 2 ]]; then
    compare "$1" "$2"
    exit
fi

status=0
psql -qX -d postgres -c "DROP DATABASE IF EXISTS ces_diff_fresh" -c "CREATE DATABASE ces_diff_fresh" 2>/dev/null
psql -qX -v ON_ERROR_STOP=1 -d ces_diff_fresh -c "CREATE EXTENSION $EXT" >/dev/null
for script in sql/versions/"$EXT"--*.sql; do
    from="${script##*/$EXT--}"
    from="${from%.sql}"
    [[ "$from" == *--* ]] && continue # a frozen upgrade script, not an install script
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS ces_diff_upgraded" -c "CREATE DATABASE ces_diff_upgraded" 2>/dev/null
    if psql -qX -v ON_ERROR_STOP=1 -d ces_diff_upgraded -c "CREATE EXTENSION $EXT VERSION '$from'" \
        -c "ALTER EXTENSION $EXT UPDATE" >/dev/null; then
        compare ces_diff_upgraded ces_diff_fresh "$from, updated" || status=1
    else
        echo "upgrade_diff: CREATE EXTENSION $EXT VERSION '$from' + ALTER EXTENSION $EXT UPDATE failed"
        status=1
    fi
done
psql -qX -d postgres -c "DROP DATABASE ces_diff_upgraded" -c "DROP DATABASE ces_diff_fresh"
exit "$status"
