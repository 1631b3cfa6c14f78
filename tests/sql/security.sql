-- The attacker of CVE-2018-1058: a database owner who is not a superuser plants look-alikes
-- of every built-in function, aggregate and operator that ces's SQL uses, in `public`, before
-- and after installing ces there. Each records that it ran (a sequence, which no rollback
-- undoes, and a WARNING) and, when run by a superuser, makes its owner superuser. Then a
-- superuser uses every public ces function, view generator and generated view, with the
-- default search_path and with public before pg_catalog. None of the look-alikes may run.
SET client_min_messages = warning;
SELECT current_database() AS regress_db \gset
DROP DATABASE IF EXISTS ces_attack;
DROP ROLE IF EXISTS ces_attacker;
CREATE ROLE ces_attacker LOGIN;
CREATE DATABASE ces_attack OWNER ces_attacker;
\c ces_attack
SET client_min_messages = warning;
SET ROLE ces_attacker;
CREATE SEQUENCE public.trap_hits;
GRANT ALL ON SEQUENCE public.trap_hits TO PUBLIC;
CREATE FUNCTION public.trap(fn text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_catalog.nextval('public.trap_hits');
    RAISE WARNING 'planted % ran as %', fn, current_user;
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user) THEN
        ALTER ROLE ces_attacker SUPERUSER;
    END IF;
END $$;
-- name, argument types, result: exact copies of pg_catalog's (they win when public comes
-- first) and better matches than its polymorphic or defaulted forms (they win anyway).
CREATE TABLE public.planted (name text, args text, result text);
INSERT INTO public.planted VALUES
    ('now', '', 'timestamptz'), ('current_setting', 'text', 'text'), ('hashtext', 'text', 'integer'),
    ('pg_advisory_xact_lock', 'integer, integer', 'void'), ('pg_advisory_xact_lock', 'bigint', 'void'),
    ('quote_ident', 'text', 'text'), ('quote_ident', 'name', 'text'), ('parse_ident', 'text', 'text[]'),
    ('format', 'text', 'text'), ('format', 'text, text', 'text'), ('format', 'text, text, text', 'text'),
    ('format', 'text, text, text, text, regclass', 'text'), ('format', 'text, text, text, text, text', 'text'),
    ('format', 'text, text, regclass', 'text'), ('format', 'text, text, text', 'text'),
    ('lower', 'text', 'text'), ('upper', 'text', 'text'), ('date_trunc', 'text, timestamptz', 'timestamptz'),
    ('to_jsonb', 'timestamptz', 'jsonb'), ('to_jsonb', 'text', 'jsonb'),
    ('jsonb_set', 'jsonb, text[], jsonb', 'jsonb'), ('jsonb_set', 'jsonb, text[], jsonb, boolean', 'jsonb'),
    ('jsonb_to_recordset', 'jsonb', 'SETOF record'), ('jsonb_array_elements', 'jsonb', 'SETOF jsonb'),
    ('isfinite', 'timestamptz', 'boolean'), ('extract', 'text, interval', 'numeric'),
    ('extract', 'text, timestamptz', 'numeric'), ('date_part', 'text, interval', 'double precision'),
    ('floor', 'numeric', 'numeric'), ('floor', 'double precision', 'double precision'),
    ('abs', 'double precision', 'double precision'),
    ('make_interval', 'integer, integer, integer, integer, integer, integer, double precision', 'interval'),
    ('make_interval', 'numeric', 'interval'), ('make_interval', 'double precision', 'interval'),
    ('generate_subscripts', 'double precision[], integer', 'SETOF integer'),
    ('array_length', 'text[], integer', 'integer'), ('unnest', 'text[]', 'SETOF text'),
    ('pg_extension_config_dump', 'regclass, text', 'void'), ('pg_extension_config_dump', 'text, text', 'void'),
    ('float8pl', 'double precision, double precision', 'double precision'),
    ('current_schema', '', 'name'), ('nextval', 'regclass', 'bigint'), ('set_config', 'text, text, boolean', 'text');
DO $$
DECLARE p record;
BEGIN
    FOR p IN SELECT DISTINCT * FROM public.planted LOOP
        EXECUTE pg_catalog.format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                       p.name, p.args, p.result,
                       pg_catalog.format('BEGIN PERFORM public.trap(%L); RETURN%s; END',
                              pg_catalog.concat(p.name, '(', p.args, ')'),
                              CASE WHEN p.result LIKE 'SETOF%' OR p.result OPERATOR(pg_catalog.=) 'void' THEN '' ELSE ' NULL' END));
    END LOOP;
END $$;
CREATE FUNCTION public.trap_int4(integer, integer) RETURNS integer LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('max(integer)'); RETURN $2; END$$;
CREATE AGGREGATE public.max(integer) (SFUNC = public.trap_int4, STYPE = integer);
CREATE FUNCTION public.trap_text(text, text, text) RETURNS text LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('string_agg(text, text)'); RETURN $2; END$$;
CREATE AGGREGATE public.string_agg(text, text) (SFUNC = public.trap_text, STYPE = text);
CREATE FUNCTION public.trap_count(bigint) RETURNS bigint LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('count(*)'); RETURN 0; END$$;
CREATE AGGREGATE public.count(*) (SFUNC = public.trap_count, STYPE = bigint);
-- Operators: one function per operand pair, each recording its operator.
CREATE TABLE public.planted_ops (op text, l text, r text, result text);
INSERT INTO public.planted_ops VALUES
    ('=', 'text', 'text', 'boolean'), ('<>', 'text', 'text', 'boolean'), ('=', 'integer', 'integer', 'boolean'),
    ('=', 'name', 'name', 'boolean'), ('=', 'oid', 'oid', 'boolean'), ('=', 'numeric', 'numeric', 'boolean'),
    ('<>', 'numeric', 'numeric', 'boolean'), ('>', 'integer', 'integer', 'boolean'),
    ('<=', 'timestamptz', 'timestamptz', 'boolean'), ('>=', 'timestamptz', 'timestamptz', 'boolean'),
    ('=', 'timestamptz', 'timestamptz', 'boolean'), ('>', 'timestamptz', 'timestamptz', 'boolean'),
    ('<=', 'interval', 'interval', 'boolean'), ('>', 'bigint', 'integer', 'boolean'),
    ('+', 'integer', 'integer', 'integer'), ('-', 'integer', 'integer', 'integer'),
    ('+', 'bigint', 'integer', 'bigint'), ('*', 'integer', 'numeric', 'numeric'), ('*', 'numeric', 'numeric', 'numeric'),
    ('%', 'numeric', 'numeric', 'numeric'), ('/', 'numeric', 'numeric', 'numeric'),
    ('-', 'timestamptz', 'timestamptz', 'interval'), ('-', 'timestamptz', 'interval', 'timestamptz'),
    ('+', 'timestamptz', 'interval', 'timestamptz'), ('||', 'text', 'text', 'text'),
    ('->>', 'jsonb', 'text', 'text'), ('-', 'jsonb', 'text', 'jsonb'),
    ('*', 'double precision', 'double precision', 'double precision'),
    ('-', 'double precision', 'double precision', 'double precision'),
    ('/', 'double precision', 'double precision', 'double precision'),
    ('<', 'double precision', 'double precision', 'boolean'), ('>=', 'double precision', 'double precision', 'boolean'),
    ('=', 'double precision', 'integer', 'boolean'), ('-', 'double precision', 'numeric', 'double precision');
DO $$
DECLARE p record; i integer := 0;
BEGIN
    FOR p IN SELECT * FROM public.planted_ops LOOP
        i := i OPERATOR(pg_catalog.+) 1;
        EXECUTE pg_catalog.format('CREATE FUNCTION public.trap_op_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
                       i, p.l, p.r, p.result,
                       pg_catalog.format('BEGIN PERFORM public.trap(%L); RETURN NULL; END', pg_catalog.concat(p.op, ' ', p.l)));
        EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.trap_op_%s)',
                       p.op, p.l, p.r, i);
    END LOOP;
END $$;
SELECT pg_catalog.count(*) AS planted_functions FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) 'public'::regnamespace;
SELECT pg_catalog.count(*) AS planted_operators FROM pg_catalog.pg_operator WHERE oprnamespace OPERATOR(pg_catalog.=) 'public'::regnamespace;

-- The owner installs ces (trusted: the script runs as the bootstrap superuser).
CREATE EXTENSION ces;
-- Look-alikes of ces's own functions taking types that a careless call would pass.
CREATE FUNCTION public.ces_band(numeric) RETURNS text LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('ces_band(numeric)'); RETURN NULL; END$$;
CREATE FUNCTION public.ces_model(varchar) RETURNS ces_model LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('ces_model(varchar)'); RETURN NULL; END$$;
CREATE FUNCTION public.ces_latest_version(varchar) RETURNS integer LANGUAGE plpgsql AS
    $$BEGIN PERFORM public.trap('ces_latest_version(varchar)'); RETURN NULL; END$$;
CREATE FUNCTION public.ces_score_trap(double precision, varchar, timestamptz, ces_model) RETURNS double precision
    LANGUAGE plpgsql AS $$BEGIN PERFORM public.trap('ces_score(varchar, ...)'); RETURN 0; END$$;
CREATE AGGREGATE public.ces_score(varchar, timestamptz, ces_model) (SFUNC = public.ces_score_trap, STYPE = double precision);
-- The owner's own events and a model it publishes (the owner can: see security_privileges).
CREATE TABLE public.events (account varchar, event varchar, ts timestamp);
INSERT INTO public.events
SELECT 'a' OPERATOR(pg_catalog.||) (i OPERATOR(pg_catalog.%) 3)::pg_catalog.text, (ARRAY['login', 'upgraded', 'ticket'])[1 OPERATOR(pg_catalog.+) (i OPERATOR(pg_catalog.%) 3)],
       timestamp '2026-11-01 00:00' OPERATOR(pg_catalog.+) (i OPERATOR(pg_catalog.*) interval '7 hours')
FROM pg_catalog.generate_series(1, 60) i;
-- The same kind of events at times relative to the test's run, for the score views (which
-- score as of now()): every 7 hours over the last 43 days, so no event sits near the edge of
-- a 30-day window (30 days is not a multiple of 7 hours).
CREATE TABLE public.recent_events (account varchar, event varchar, ts timestamptz);
INSERT INTO public.recent_events
SELECT 'a' OPERATOR(pg_catalog.||) (i OPERATOR(pg_catalog.%) 3)::pg_catalog.text, (ARRAY['login', 'upgraded', 'ticket'])[1 OPERATOR(pg_catalog.+) (i OPERATOR(pg_catalog.%) 3)],
       CURRENT_TIMESTAMP OPERATOR(pg_catalog.-) (i OPERATOR(pg_catalog.*) interval '7 hours')
FROM pg_catalog.generate_series(1, 150) i;
SELECT public.ces_define_model('health', '{"login":1,"upgraded":50,"ticket":-5}') AS owner_published;
-- Outcomes to fit weights from (ces_fit_model, ces_fit_report): 50 accounts, half renewed.
CREATE TABLE public.fit_events AS
SELECT 'f' OPERATOR(pg_catalog.||) (i OPERATOR(pg_catalog.%) 50)::pg_catalog.text AS account,
       (ARRAY['login', 'ticket'])[1 OPERATOR(pg_catalog.+) (i OPERATOR(pg_catalog.%) 7 OPERATOR(pg_catalog.%) 2)] AS event,
       timestamp '2026-11-01 00:00' OPERATOR(pg_catalog.+) (i OPERATOR(pg_catalog.*) interval '1 hour') AS ts
FROM pg_catalog.generate_series(1, 500) i;
CREATE TABLE public.fit_outcomes AS
SELECT 'f' OPERATOR(pg_catalog.||) a::pg_catalog.text AS account, (a OPERATOR(pg_catalog.%) 2) OPERATOR(pg_catalog.=) 0 AS renewed
FROM pg_catalog.generate_series(0, 49) a;
SELECT is_called AS any_planted_function_ran_yet FROM public.trap_hits;
RESET ROLE;

-- The victim: a superuser, first with public ahead of pg_catalog.
SET search_path = public, pg_catalog;
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"ticket":-5}', half_life => '7 days', lookback => '30 days')) AS v;
SELECT ces_model('health') IS NOT NULL AS by_name, ces_model('health', 1) IS NOT NULL AS by_version,
       'health'::ces_model IS NOT NULL AS cast, ces_model_at(ces_model('health'), '2026-11-20 00:00+00') IS NOT NULL AS at,
       ces_model_at(ces_model('health'), NULL) IS NOT NULL AS cleared,
       ces_model('health', 1) OPERATOR(public.=) ces_model('health', 1) AS eq,
       ces_model('health', 1) OPERATOR(public.<>) ces_model('health', 2) AS ne;
SELECT ces_latest_version('health') AS latest, ces_schema() AS schema,
       ces_events_sql('events', 'account', 'event', 'ts') IS NOT NULL AS events_sql;
SELECT pg_catalog.count(*) AS models FROM ces_models;
SELECT ces_score(event::text, ts::timestamptz, '{"login":1}'::jsonb) AS jsonb_form,
       ces_score(event::text, ts::timestamptz, ces_model_at(ces_model('health'), '2026-11-20 00:00+00')) AS model_form,
       ces_score(event::text, ts::timestamptz, 'health') IS NOT NULL AS by_name,
       ces_band(ces_score(event::text, ts::timestamptz, '{"login":1}'::jsonb)) AS band,
       ces_band(ces_score(event::text, ts::timestamptz, '{"login":1}'::jsonb), ces_default_bands()) AS custom_band,
       ces_normalize(ces_score(event::text, ts::timestamptz, '{"login":1}'::jsonb), 0, 100) AS normalized
FROM events;
SELECT account, ces_score(event::text, ts::timestamptz, ces_model_at(ces_model('health'), '2026-11-20 00:00+00'))
           OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '7 days' PRECEDING AND CURRENT ROW) AS moving
FROM events ORDER BY account, ts LIMIT 2;
SELECT ces_score(s) AS score, ces_score_at(s, '2026-11-25 00:00+00') AS later, ces_last_seen(s) AS last_seen,
       ces_event_count(s) AS n, ces_depth(s) AS depth, ces_summary_breakdown(s) IS NOT NULL AS breakdown,
       (SELECT pg_catalog.count(*) FROM ces_breakdown(s)) AS breakdown_rows
FROM (SELECT ces_agg(event::text, ts::timestamptz, ces_model_at(ces_model('health'), '2026-11-20 00:00+00')) AS s FROM events) x;
SELECT ces_score(ces_rollup(s)) AS rolled
FROM (SELECT ces_agg(event::text, ts::timestamptz, ces_model_at(ces_model('health'), '2026-11-20 00:00+00')) AS s FROM events GROUP BY account) x;
SELECT ces_auc(score, score > 0) AS auc, ces_lift(score, score > 0) IS NOT NULL AS lift,
       ces_lift(score, score > 0, ces_default_bands()) IS NOT NULL AS lift_bands
FROM (SELECT ces_score(event::text, ts::timestamptz, '{"login":1,"ticket":-5}'::jsonb) AS score FROM events GROUP BY account) x;
SELECT l.band, l.band_rank, l.accounts, l.positives
FROM (SELECT ces_lift(score, score > 0) AS r
      FROM (SELECT ces_score(event::text, ts::timestamptz, '{"login":1,"ticket":-5}'::jsonb) AS score FROM events GROUP BY account) s) x,
     ces_lift_rows(x.r) l ORDER BY l.band_rank LIMIT 2;
SELECT ces_fit_model('fit_events', 'account', 'event', 'ts', 'fit_outcomes', 'renewed', '2026-11-30 00:00+00',
                     '{"k": 2, "baseline": "health"}') IS NOT NULL AS fitted,
       (SELECT pg_catalog.count(*) FROM ces_fit_report('fit_events', 'account', 'event', 'ts', 'fit_outcomes', 'renewed',
                                                       '2026-11-30 00:00+00', '{"baseline": {"login": 1}}')) AS fit_report_rows;
SELECT ces_create_score_view('scores', 'recent_events', 'account', 'event', 'ts', 'health');
SELECT ces_create_score_view('public.scores_mat', 'recent_events', 'account', 'event', 'ts', 'health', materialized => true);
REFRESH MATERIALIZED VIEW scores_mat;
SELECT ces_create_score_view('public.scores_mat', 'recent_events', 'account', 'event', 'ts', 'health', materialized => true,
                             accounts => 'recent_events') AS again_with_accounts;
REFRESH MATERIALIZED VIEW CONCURRENTLY scores_mat;
SELECT ces_band_rank(5) AS band_rank, ces_band_rank(5, ces_default_bands()) AS custom_band_rank;
-- The views score as of now() with a 30-day lookback: each account's events count equals
-- the plain count of its events in the window, which holds some of its 50 events, not all.
-- (A lookback is exact seconds, 30 × 24 hours, so the reference subtracts hours: '30 days'
-- from a timestamptz is 30 calendar days, an hour off across a daylight-saving change.)
SELECT s.account, w.n, s.events OPERATOR(pg_catalog.=) w.n AS view_in_window,
       m.events OPERATOR(pg_catalog.=) w.n AS matview_in_window, s.model, s.model_version
FROM scores s JOIN scores_mat m ON m.account OPERATOR(pg_catalog.=) s.account,
     LATERAL (SELECT pg_catalog.count(*) AS n FROM public.recent_events e
              WHERE e.account OPERATOR(pg_catalog.=) s.account
                AND e.ts OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '720 hours')) w
ORDER BY s.account;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00') AS snapshot;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00') AS snapshot_again;
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-05 00:00+00', '2026-11-20 00:00+00') AS backfill;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-20 00:00+00', accounts => 'events') AS snapshot_accounts;
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-05 00:00+00', '2026-11-20 00:00+00',
                    accounts => 'events') AS backfill_accounts;
SELECT * FROM ces_history_at('health', '2026-11-21 00:00+00');
SELECT pg_catalog.count(*) AS drops FROM ces_drops('health', '2026-11-20 00:00+00', lookback => '10 days', min_drop_pct => 0);
SELECT pg_catalog.count(*) AS transitions FROM ces_band_transitions('health', '2026-11-05 00:00+00', '2026-11-20 00:00+00');
SELECT pg_catalog.count(*) AS history_rows FROM ces_score_history;
-- And with the default search_path.
RESET search_path;
SELECT ces_define_model('health', '{"login":2}') AS v;
SELECT ces_create_score_view('scores2', 'events', 'account', 'event', 'ts', 'health');
SELECT pg_catalog.count(*) AS accounts FROM scores2;
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', '2026-11-21 00:00+00') AS snapshot;
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts', '2026-11-19 00:00+00', '2026-11-21 00:00+00') AS backfill;

-- Verdict: no look-alike ran, the owner is not superuser.
SET search_path = pg_catalog;
SELECT is_called AS any_planted_function_ran FROM public.trap_hits;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'ces_attacker';
\c :regress_db
SET client_min_messages = warning;
-- Guards for functions added later. Every SQL or PL/pgSQL function of ces pins its search_path
-- or has a SQL-standard body (bound at creation):
SELECT p.oid::regprocedure AS unpinned
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'ces'
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname NOT IN ('c', 'internal') AND p.prosqlbody IS NULL
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
ORDER BY 1;
-- ... and no function that takes `internal` (aggregate support) or sizes buffers from its
-- arguments (ces_history) is executable by PUBLIC; type receive functions are the system's.
SELECT p.oid::regprocedure AS public_internal
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'ces'
WHERE ('internal'::regtype = ANY (p.proargtypes) OR p.proname IN ('ces_history', 'ces_score_trans', 'ces_define_model'))
  AND p.proname NOT LIKE '%\_recv'
  AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
ORDER BY 1;
-- SECURITY DEFINER functions: only ces_define_model, with a pinned search_path.
SELECT p.oid::regprocedure AS security_definer, p.proconfig
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'ces'
WHERE p.prosecdef ORDER BY 1;
DROP DATABASE ces_attack;
DROP ROLE ces_attacker;
