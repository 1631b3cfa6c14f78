#!/usr/bin/env bash
# ALTER EXTENSION ces UPDATE from 0.1.0: the catalog must equal a fresh install's
# (scripts/upgrade_diff.sh), and what 0.1.0 stored must survive: published models, score
# history, user tables of ces_summary values (including bytes written by 0.1.0 itself, binary
# format 3, from tests/upgrade/summaries-0.1.0.tsv), views over ces functions, and grants.
# Needs a running cluster (PGHOST/PGPORT/PGUSER set) with this build installed.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=ces_up_old NEW=ces_up_new
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1) # what UPDATE goes to
status=0
fail() { echo "upgrade: $*"; status=1; }

# The shared library serves every install script: each C symbol that a frozen script names must
# be exported by this build (an FFI refactor that renames one breaks CREATE EXTENSION
# ces VERSION '0.1.0' and every 0.1.0 database at its next connection).
so="$(pg_config --pkglibdir)/ces.so"
exported="$(nm -D --defined-only "$so" | awk '{print $NF}' | sort -u)"
for script in sql/versions/ces--*.sql sql/ces--*--*.sql; do
    for sym in $(grep -oE "'MODULE_PATHNAME', *'[A-Za-z0-9_]+'" "$script" | grep -oE "'[A-Za-z0-9_]+'$" | tr -d "'" | sort -u); do
        for s in "$sym" "pg_finfo_$sym"; do
            grep -qx "$s" <<<"$exported" || fail "$so does not export $s, which ${script##*/} names"
        done
    done
done

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $OLD" -c "DROP DATABASE IF EXISTS $NEW" 2>/dev/null
psql -qX -d postgres 2>/dev/null <<'SQL'
DROP ROLE IF EXISTS ces_up_owner; DROP ROLE IF EXISTS ces_up_publisher; DROP ROLE IF EXISTS ces_up_reader;
-- The extension is trusted: a database owner without superuser installs and updates it.
CREATE ROLE ces_up_owner LOGIN; CREATE ROLE ces_up_publisher; CREATE ROLE ces_up_reader;
SQL
psql -qX -d postgres -c "CREATE DATABASE $OLD OWNER ces_up_owner" -c "CREATE DATABASE $NEW OWNER ces_up_owner"
as_owner() { psql -qX -v ON_ERROR_STOP=1 -U ces_up_owner "$@"; }

# --- 0.1.0, used as its README said: the DBA grants INSERT on the registry to publishers.
as_owner -d "$OLD" -c "CREATE EXTENSION ces VERSION '0.1.0'"
psql -qX -v ON_ERROR_STOP=1 -d "$OLD" >/dev/null <<'SQL'
SET client_min_messages = warning;
GRANT INSERT ON ces_model_registry TO ces_up_publisher;
REVOKE EXECUTE ON FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz) TO ces_up_reader WITH GRANT OPTION;
GRANT SELECT, INSERT ON ces_score_history TO ces_up_reader;
REVOKE EXECUTE ON FUNCTION ces_band(float8, jsonb) FROM PUBLIC;
SET ROLE ces_up_publisher;
SELECT ces_define_model('health', '{"login":1,"upgraded":50}', 'v1');
SELECT ces_define_model('health', ces_model('{"login":1,"ticket":{"weight":-5,"cap":20}}', half_life => '14 days'), 'v2');
SELECT ces_define_model('onboarding', '{"project_added":5}');
RESET ROLE;
CREATE TABLE ev AS
SELECT 'a' || (i % 7) AS account, (ARRAY['login', 'ticket', 'upgraded'])[1 + i % 3] AS event,
       timestamptz '2026-09-01 00:00+00' + i * interval '1 hour' AS ts
FROM generate_series(1, 600) i;
SELECT ces_snapshot('health', 'ev', 'account', 'event', 'ts', '2026-09-25 00:00+00');
SELECT ces_backfill('health', 'ev', 'account', 'event', 'ts', '2026-09-10 00:00+00', '2026-09-20 00:00+00');
SELECT ces_create_score_view('health_scores', 'ev', 'account', 'event', 'ts', 'health');
-- A user table of summaries, and a view over ces functions.
CREATE TABLE saved (id int PRIMARY KEY, s ces_summary);
INSERT INTO saved
SELECT row_number() OVER (ORDER BY account), ces_agg(event, ts, ces_model_at(ces_model('health'), '2026-10-01 00:00+00'))
FROM ev GROUP BY account;
INSERT INTO saved SELECT 100, ces_agg(event, ts, '{"login":1,"ticket":-2}'::jsonb) FROM ev;
CREATE VIEW account_scores AS
SELECT account, ces_score(event, ts, ces_model_at(ces_model('health'::text), '2026-10-01 00:00+00')) AS score,
       ces_band(ces_score(event, ts, '{"login":1}'::jsonb)) AS band
FROM ev GROUP BY account;
-- Summaries as 0.1.0's own binary wrote them (format 3): the bytes go in unchanged through a
-- binary-coercible cast (ces_summary_recv would re-encode them to the current format).
CREATE TABLE stored_010 (id int PRIMARY KEY, hex text, score float8, score_at float8, events bigint, depth int,
                         last_seen timestamptz, text_form text, breakdown jsonb);
SQL
psql -qX -v ON_ERROR_STOP=1 -d "$OLD" -c "\\copy stored_010 FROM 'tests/upgrade/summaries-0.1.0.tsv'"
psql -qX -v ON_ERROR_STOP=1 -d "$OLD" >/dev/null <<'SQL'
CREATE CAST (bytea AS ces_summary) WITHOUT FUNCTION;
INSERT INTO saved SELECT 1000 + id, decode(hex, 'hex')::ces_summary FROM stored_010;
DROP CAST (bytea AS ces_summary);
SQL

models="SELECT name, version, model::text, note, created_by FROM ces_models ORDER BY 1, 2"
history="SELECT model, model_version, account, as_of, score, band FROM ces_score_history ORDER BY 1, 2, 3, 4"
saved="SELECT id, s::text, ces_score(s), ces_event_count(s), md5(ces_summary_send(s)::text) FROM saved ORDER BY id"
views="SELECT * FROM account_scores ORDER BY 1"
score_view="SELECT account, last_seen, events, depth, model, model_version FROM health_scores ORDER BY 1" # as_of is now()
declare -A before
for q in models history saved views score_view; do
    before[$q]="$(psql -qXtA -d "$OLD" -c "${!q}")"
done

# --- the update, by the extension's owner
as_owner -d "$OLD" -c "ALTER EXTENSION ces UPDATE" || fail "ALTER EXTENSION ces UPDATE failed"
[[ "$(psql -qXtA -d "$OLD" -c "SELECT extversion FROM pg_extension WHERE extname = 'ces'")" == "$VERSION" ]] ||
    fail "not at $VERSION after the update"

# --- a fresh install, with the same grants given the 0.2.0 way. The catalogs compared
# include pg_init_privs: the DBA's grants must stay out of the extension's initial
# privileges, or pg_dump would leave them out.
as_owner -d "$NEW" -c "CREATE EXTENSION ces"
psql -qX -v ON_ERROR_STOP=1 -d "$NEW" >/dev/null <<'SQL'
GRANT EXECUTE ON FUNCTION ces_define_model(text, ces_model, text) TO ces_up_publisher;
REVOKE EXECUTE ON FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz, regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz, regclass, text) TO ces_up_reader WITH GRANT OPTION;
GRANT SELECT, INSERT ON ces_score_history TO ces_up_reader;
REVOKE EXECUTE ON FUNCTION ces_band(float8, jsonb) FROM PUBLIC;
SQL
bash scripts/upgrade_diff.sh "$OLD" "$NEW" || status=1
grants() { pg_dump --schema-only -d "$1" | grep -E '^(GRANT|REVOKE) ' || true; }
[[ "$(grants "$OLD")" == "$(grants "$NEW")" ]] || fail "pg_dump dumps other grants after the update:
$(diff <(grants "$OLD") <(grants "$NEW"))"

# --- the data survived and reads the same
for q in models history saved views score_view; do
    [[ "$(psql -qXtA -d "$OLD" -c "${!q}")" == "${before[$q]}" ]] || fail "differs after the update: ${!q}"
done
# 0.1.0's bytes read as 0.1.0 read them (floats to 1e-12 relative: a summation order may change).
mismatch="$(psql -qXtA -d "$OLD" <<'SQL'
SET TimeZone = 'UTC';
WITH r AS (
    SELECT o.*, s.s, (SELECT jsonb_agg(b ORDER BY b.event) FROM ces_breakdown(s.s) b) AS b_now
    FROM stored_010 o JOIN saved s ON s.id = 1000 + o.id
), close(id, what, ok) AS (
    SELECT id, 'score', abs(ces_score(s) - score) <= 1e-12 * greatest(1, abs(score)) FROM r
    UNION ALL SELECT id, 'score_at', score_at IS NULL OR abs(ces_score_at(s, '2026-12-01 00:00+00') - score_at) <= 1e-12 * greatest(1, abs(score_at))
    FROM r WHERE NOT text_form::jsonb->'model' ? 'lookback'
    -- 0.1.0 re-anchored a lookback summary as if no event had left the window; 0.2.0 returns 0
    -- once all have (README "ces_score_at")
    UNION ALL SELECT id, 'score_at (lookback)', ces_score_at(s, '2026-12-01 00:00+00') = 0 FROM r WHERE id = 1
    UNION ALL SELECT id, 'counters', (ces_event_count(s), ces_depth(s), ces_last_seen(s)) = (events, depth, last_seen) FROM r
    -- the text form gains first_seen, unrecorded in format 3
    UNION ALL SELECT id, 'text', s::text::jsonb - 'first_seen' = text_form::jsonb AND s::text::jsonb->>'first_seen' = '-infinity' FROM r
    UNION ALL SELECT id, 'breakdown', NOT EXISTS (
        SELECT FROM jsonb_array_elements(breakdown) WITH ORDINALITY o(v, n)
        FULL JOIN jsonb_array_elements(b_now) WITH ORDINALITY c(v, n) USING (n)
        WHERE o.v - 'points' IS DISTINCT FROM c.v - 'points'
           OR abs((o.v->>'points')::float8 - (c.v->>'points')::float8) > 1e-12 * greatest(1, abs((o.v->>'points')::float8))) FROM r
    -- 0.1.0 rolled the per-account summaries 11..15 up into summary 3
    UNION ALL SELECT 3, 'rollup', (SELECT abs(ces_score(ces_rollup(s)) - (SELECT score FROM stored_010 WHERE id = 3)) <= 1e-9
                                   FROM saved WHERE id BETWEEN 1011 AND 1015)
)
SELECT string_agg(id || ' ' || what, ', ') FROM close WHERE ok IS NOT TRUE;
SQL
)"
[[ -z "$mismatch" ]] || fail "summaries written by 0.1.0 read differently: $mismatch"
# A format-3 value stays format 3 on disk until rewritten, and rewriting it gives format 4.
fmt="$(psql -qXtA -d "$OLD" -c "SELECT get_byte(ces_summary_send(s), 0) || '/' || (SELECT get_byte(ces_summary_send(ces_rollup(s)), 0) FROM saved WHERE id = 1001) FROM saved WHERE id = 1001")"
[[ "$fmt" == "3/4" ]] || fail "format of a 0.1.0 summary / of its rollup: $fmt, expected 3/4"

# --- 0.2.0 works on the upgraded database: publishing (the INSERT grant became EXECUTE on
# ces_define_model), the registry closed to direct writes, new functions, the moved grant.
psql -qX -v ON_ERROR_STOP=1 -d "$OLD" >/dev/null <<'SQL' || fail "0.2.0 functions on the upgraded database"
SET ROLE ces_up_publisher;
SELECT ces_define_model('health', '{"login":2}', 'v3');
RESET ROLE;
SELECT ces_snapshot('health', 'ev', 'account', 'event', 'ts', '2026-09-30 00:00+00', accounts => 'ev', accounts_column => 'account');
-- a score view made by 0.1.0 keeps working (compared above) but has no generator mark, so
-- it is dropped before 0.2.0 makes it (README "Upgrading")
DROP VIEW health_scores;
SELECT ces_create_score_view('health_scores', 'ev', 'account', 'event', 'ts', 'health');
SELECT ces_create_score_view('health_scores', 'ev', 'account', 'event', 'ts', 'health', version => 1);
SELECT band_rank FROM health_scores LIMIT 1;
SELECT ces_score(ces_rollup_dist(s)) FROM saved WHERE id BETWEEN 1011 AND 1015;
SELECT * FROM ces_lift_rows((SELECT ces_lift(score, score > 0) FROM ces_score_history));
SQL
checks="SELECT has_table_privilege('ces_up_publisher', 'ces_model_registry', 'INSERT'),
               has_function_privilege('ces_up_reader', 'ces_snapshot(text, regclass, text, text, text, timestamptz, regclass, text)', 'EXECUTE'),
               has_function_privilege('public', 'ces_state_combine(internal, internal)', 'EXECUTE'),
               (SELECT max(version) FROM ces_models WHERE name = 'health')"
[[ "$(psql -qXtA -d "$OLD" -c "$checks")" == "f|t|f|3" ]] ||
    fail "privileges after the update: $(psql -qXtA -d "$OLD" -c "$checks"), expected f|t|f|3"

rows="$(psql -qXtA -d "$OLD" -c "SELECT (SELECT count(*) FROM ces_models) || ' models, ' || (SELECT count(*) FROM ces_score_history) || ' history rows, ' || (SELECT count(*) FROM saved) || ' stored summaries'")"
[[ -n "${KEEP:-}" ]] || psql -qX -d postgres -c "DROP DATABASE $OLD" -c "DROP DATABASE $NEW"
[[ -n "${KEEP:-}" ]] || psql -qX -d postgres -c "DROP ROLE ces_up_owner" -c "DROP ROLE ces_up_publisher" -c "DROP ROLE ces_up_reader"
[[ $status -eq 0 ]] && echo "upgrade: ok (0.1.0 -> $VERSION: catalog equals a fresh install; $rows)"
exit $status
