#!/usr/bin/env bash
# Writes every ```sql block of README.md, in order, to tests/sql/readme_utc.sql and
# tests/sql/readme_la.sql (a link to it), so the regression suite runs each README example
# (inside one transaction, rolled back) under two time zones. Both are the same text: the first
# query picks the zone from the test's name (pg_regress sets application_name to
# pg_regress/<test>), and both tests compare with one expected output
# (tests/expected/readme_la.out is a link to readme_utc.out), so the README's numbers
# must not depend on the reader's time zone.
set -euo pipefail
cd "$(dirname "$0")/.."
{
    echo "-- Generated from README.md by scripts/readme_sql.sh: every \`\`\`sql block, in order."
    echo "SELECT set_config('TimeZone', CASE WHEN current_setting('application_name') LIKE '%_utc' THEN 'UTC'"
    echo "                                   ELSE 'America/Los_Angeles' END, false) IS NOT NULL AS time_zone_set;"
    echo "BEGIN;"
    awk '/^```sql$/ { on = 1; next } /^```/ { if (on) print ""; on = 0; next } on { print }' README.md
    echo "ROLLBACK;"
} > tests/sql/readme_utc.sql
ln -sfn readme_utc.sql tests/sql/readme_la.sql
