#!/usr/bin/env bash
# Event names in a SQL_ASCII database may hold bytes that are not UTF-8. ces matches them byte
# for byte and never replaces a byte (U+FFFD would make distinct names collide); weights and
# models, read as JSON, must be UTF-8 or raise 22021. Needs a running cluster (PGHOST/PGPORT/PGUSER).
set -euo pipefail
DB=ces_sql_ascii
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" \
     -c "CREATE DATABASE $DB ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" 2>/dev/null
got=$(psql -qXtA -v ON_ERROR_STOP=1 -d "$DB" 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION ces;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text; m text;
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT; RETURN s || ': ' || m;
END $$;
-- Three names that differ only in one byte: 0xe9 and 0xe8 (not UTF-8 here) and U+FFFD
-- (0xef 0xbf 0xbd, what a lossy conversion turns both into).
CREATE TEMP TABLE ev AS
SELECT * FROM (VALUES (E'\xe9vent'), (E'\xe8vent'), (E'\xef\xbf\xbdvent'), (E'\xc3\xa9vent'), ('login')) v(e);
SELECT 'distinct names: ' || count(DISTINCT e) FROM ev;
-- UTF-8 weights match byte for byte: 'login', the UTF-8 'é' name and the U+FFFD name
-- score (1 + 10 + 100); the two names with a byte that is not UTF-8 match nothing.
SELECT 'jsonb: ' || ces_score(e, NULL, E'{"login":1,"\xc3\xa9vent":10,"\xef\xbf\xbdvent":100}'::jsonb) FROM ev;
SELECT 'model: ' || ces_score(e, NULL, ces_model(E'{"login":1,"\xc3\xa9vent":10,"\xef\xbf\xbdvent":100}'::jsonb)) FROM ev;
SELECT 'agg: ' || ces_event_count(s) || ' events, score ' || ces_score(s)
FROM (SELECT ces_agg(e, NULL, E'{"login":1,"\xc3\xa9vent":10,"\xef\xbf\xbdvent":100}'::jsonb) s FROM ev) x;
SELECT 'window: ' || string_agg(s::text, ',' ORDER BY n) FROM (
  SELECT n, ces_score(e, ts, '{"login":1}'::jsonb)
             OVER (ORDER BY ts RANGE BETWEEN '1 hour' PRECEDING AND CURRENT ROW) s
  FROM (SELECT row_number() OVER () n, e, timestamptz '2026-01-01 00:00+00' + row_number() OVER () * interval '1 hour' ts FROM ev) r) w;
-- Weights or models whose text is not UTF-8 are refused, never read with a substitute.
SELECT pg_temp.err($q$SELECT ces_score(e, NULL, E'{"\xe9vent":1}'::jsonb) FROM ev$q$);
SELECT pg_temp.err($q$SELECT ces_score(e, NULL, E'{"\xe9vent":1,"\xe8vent":2}'::jsonb) FROM ev$q$);
SELECT pg_temp.err($q$SELECT ces_score(e, NULL, ces_model(E'{"\xe9vent":1}'::jsonb)) FROM ev$q$);
SELECT pg_temp.err($q$SELECT ces_agg(e, NULL, E'{"\xe9vent":1}'::jsonb) FROM ev$q$);
SELECT pg_temp.err($q$SELECT E'{"\xe9vent":1}'::ces_model$q$);
SELECT pg_temp.err($q$SELECT ces_score(e, NULL, E'{"\xe9vent":1}') FROM ev$q$);
SELECT pg_temp.err($q$SELECT ces_band(50, E'[{"name":"\xe9", "upto":10}, {"name":"ok"}]'::jsonb)$q$);
-- An error message shows a non-UTF-8 event name with its bytes escaped.
SELECT pg_temp.err($q$SELECT ces_score(e, NULL, NULL::jsonb) FROM ev WHERE e = E'\xe9vent'$q$);
SQL
)
want=$(cat <<'EOF2'
distinct names: 5
jsonb: 111
model: 111
agg: 5 events, score 111
window: 0,0,0,0,1
22021: invalid UTF-8 in weights: byte 0xe9 at offset 2
22021: invalid UTF-8 in weights: byte 0xe8 at offset 2
22021: invalid UTF-8 in weights: byte 0xe9 at offset 2
22021: invalid UTF-8 in weights: byte 0xe9 at offset 2
22021: invalid UTF-8 in type input: byte 0xe9 at offset 2
22021: invalid UTF-8 in type input: byte 0xe9 at offset 2
22021: invalid UTF-8 in bands: byte 0xe9 at offset 11
22023: weights are NULL for event "\xe9vent"
EOF2
)
psql -qX -d postgres -c "DROP DATABASE $DB" 2>/dev/null
if [[ "$got" != "$want" ]]; then
    echo "sql_ascii: unexpected output"; diff <(echo "$want") <(echo "$got") || true
    exit 1
fi
echo "sql_ascii: ok"
