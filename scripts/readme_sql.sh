#!/usr/bin/env bash
# Writes every ```sql block of README.md, in order, to tests/sql/readme.sql, so the
# regression suite runs each README example (inside one transaction, rolled back).
set -euo pipefail
cd "$(dirname "$0")/.."
{
    echo "-- Generated from README.md by scripts/readme_sql.sh: every \`\`\`sql block, in order."
    echo "BEGIN;"
    awk '/^```sql$/ { on = 1; next } /^```/ { if (on) print ""; on = 0; next } on { print }' README.md
    echo "ROLLBACK;"
} > tests/sql/readme.sql
