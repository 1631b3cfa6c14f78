#!/usr/bin/env bash
# pg_dump / pg_restore round trip of a database holding published models, stored
# ces_model and ces_summary values. Needs a running cluster (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
SRC=ces_dump_src DST=ces_dump_dst
DUMP="$(mktemp -d)/ces.dump"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $SRC" -c "DROP DATABASE IF EXISTS $DST" \
     -c "CREATE DATABASE $SRC" -c "CREATE DATABASE $DST" 2>/dev/null
# Grants on the extension's objects (README "Privileges") are dumped and restored too.
psql -qX -d postgres -c "DROP ROLE IF EXISTS ces_dump_analyst" -c "CREATE ROLE ces_dump_analyst" 2>/dev/null
psql -qX -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
SELECT ces_define_model('health', '{"login":1,"upgraded":50}', 'v1');
SELECT ces_define_model('health', ces_model('{"login":1,"ticket":{"weight":-5,"cap":20}}', half_life => '14 days'), 'v2');
SELECT ces_define_model('onboarding', '{"project_added":5}');
CREATE TABLE saved (id int, m ces_model, s ces_summary);
INSERT INTO saved
SELECT 1, ces_model('health'), ces_agg(e, ts, ces_model('{"login":1,"ticket":-5}', half_life => '7 days', as_of => '2026-10-01 00:00+00'))
FROM (VALUES ('login', timestamptz '2026-09-30 00:00+00'), ('ticket', '2026-09-29 12:00+00')) v(e, ts);
-- Edge values that must survive a dump: the largest count, a decayed sum near the
-- smallest float, an underflowed one, 10000 event types, a first_seen unrecorded (0.1.0 text).
INSERT INTO saved VALUES
 (2, '{"login":1}', '{"model":{"weights":{"login":1}},"events":9223372036854775807,"counts":{"login":[9223372036854775807,9.223372036854776e18]}}'),
 (3, NULL, '{"model":{"weights":{"a":1e15},"half_life":"00:00:01"},"as_of":"2026-10-01 00:00+00","events":2,"first_seen":"2026-09-01 00:00+00","last_seen":"2026-09-30 00:00+00","counts":{"a":[2,5e-324]}}'),
 (4, NULL, '{"model":{"weights":{"a":1},"half_life":"00:00:01"},"as_of":"2026-10-01 00:00+00","events":1,"last_seen":"2026-09-01 00:00+00","counts":{"a":[1,0]}}');
CREATE TEMP TABLE wide AS
SELECT ces_model((SELECT jsonb_object_agg('e' || k, k % 7 - 3) FROM generate_series(0, 9999) k),
                 half_life => '3 days', lookback => '30 days', as_of => '2026-10-01 00:00+00') AS m;
INSERT INTO saved
SELECT 5, NULL, ces_agg('e' || (i % 10000), timestamptz '2026-09-30 00:00+00' - i * interval '1 minute', m)
FROM generate_series(1, 3000) i, wide;
CREATE TABLE ev AS SELECT 'a' || (i % 7) AS account, 'login' AS event, timestamptz '2026-09-01 00:00+00' + i * interval '1 hour' AS ts
FROM generate_series(1, 500) i;
SELECT ces_backfill('health', 'ev', 'account', 'event', 'ts', '2026-09-10 00:00+00', '2026-09-20 00:00+00');
GRANT EXECUTE ON FUNCTION ces_define_model(text, ces_model, text) TO ces_dump_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON ces_score_history TO ces_dump_analyst;
SQL
pg_dump -Fc -d "$SRC" -f "$DUMP"
pg_restore -d "$DST" "$DUMP"

query="SELECT name, version, model::text, note FROM ces_models ORDER BY 1, 2"
history="SELECT model, model_version, account, as_of, score, band FROM ces_score_history ORDER BY 1, 2, 3, 4"
saved="SELECT id, m::text, s::text, ces_score(s), md5(ces_summary_send(s)::text) FROM saved ORDER BY id"
grants="SELECT has_function_privilege('ces_dump_analyst', 'ces_define_model(text, ces_model, text)', 'EXECUTE'),
               has_table_privilege('ces_dump_analyst', 'ces_score_history', 'INSERT'),
               has_table_privilege('ces_dump_analyst', 'ces_model_registry', 'INSERT')"
status=0
[[ "$(psql -qXtA -d "$SRC" -c "$grants")" == "t|t|f" ]] || { echo "dump_restore: grants not as granted"; status=1; }
for q in "$query" "$saved" "$history" "$grants"; do
    if [[ "$(psql -qXtA -d "$SRC" -c "$q")" != "$(psql -qXtA -d "$DST" -c "$q")" ]]; then
        echo "dump_restore: differs after restore: $q"; status=1
    fi
done
# The restored registry is still immutable and keeps numbering versions.
next=$(psql -qXtA -d "$DST" -c "SELECT ces_define_model('health', '{\"login\":2}')")
[[ "$next" == 3 ]] || { echo "dump_restore: next version is $next, expected 3"; status=1; }
if psql -qXtA -d "$DST" -c "DELETE FROM ces_model_registry" >/dev/null 2>&1; then
    echo "dump_restore: restored registry accepted a DELETE"; status=1
fi
models=$(psql -qXtA -d "$DST" -c "SELECT count(*) FROM ces_models")
saved_rows=$(psql -qXtA -d "$DST" -c "SELECT count(*) FROM saved")
[[ "$saved_rows" == 5 ]] || { echo "dump_restore: $saved_rows saved rows after restore, expected 5"; status=1; }
history_rows=$(psql -qXtA -d "$DST" -c "SELECT count(*) FROM ces_score_history")
psql -qX -d postgres -c "DROP DATABASE $SRC" -c "DROP DATABASE $DST" -c "DROP ROLE ces_dump_analyst"
rm -rf "$(dirname "$DUMP")"
if [[ $status -eq 0 ]]; then
    echo "dump_restore: ok ($models models after restore and one more version, $history_rows history rows)"
fi
exit $status
