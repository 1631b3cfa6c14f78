-- ces 0.1.0 -> 0.2.0 (ALTER EXTENSION ces UPDATE TO '0.2.0').
--
-- The rule: every change of the SQL surface on main (a new or changed function, aggregate,
-- type, operator, view, table, grant or comment in sql/*.sql or a #[pg_extern]) also goes into
-- the upgrade script of the version being developed, here. tests/upgrade.sh proves it: it
-- upgrades a 0.1.0 database holding models, history and stored summaries, and compares its
-- catalog with a fresh install (scripts/upgrade_diff.sh); any difference fails the test.
--
-- How to write a change here: CREATE OR REPLACE FUNCTION for a new body or attributes (the
-- same name, argument types, argument names and result type); a new signature is CREATE of
-- the new function, then DROP of the old one at the end, and the old and new signatures go
-- into the two lists of moved functions in the DO blocks (first and last), so the DBA's
-- grants move with it; new objects are created as in sql/*.sql; grants and comments are
-- restated (GRANT/REVOKE between the two DO blocks: the DBA's own grants are set aside
-- meanwhile, so the script's statements record exactly the extension's initial privileges).
-- Statements run in order in one transaction, as a superuser, with search_path =
-- @extschema@, pg_temp (pg_catalog implicitly first). SQL-standard bodies (BEGIN ATOMIC,
-- RETURN) bind at creation, so create what they call first.
--
-- 0.1.0 is commit 5ffd84b; its install script is sql/versions/ces--0.1.0.sql, as pgrx
-- generated it. The statements below are 0.2.0's, copied from sql/*.sql.

\echo Use "ALTER EXTENSION ces UPDATE TO '0.2.0'" to load this file. \quit

-- Grants the DBA made (whatever differs from what the 0.1.0 script set, which pg_init_privs
-- records) are set aside here and made again at the end of this script. A GRANT or REVOKE
-- in an extension script records the object's whole ACL as the extension's initial
-- privileges, which pg_dump leaves out: a DBA's grant caught in one would not survive a dump
-- and restore. Grants on the three functions whose signature changes move to the new
-- signatures; INSERT on the registry becomes EXECUTE on ces_define_model (end of script).
DO $$
DECLARE
    delta jsonb;
    e jsonb;
    snap text := $q$
        SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('classoid', o.classoid, 'objoid', o.objoid,
                        'initprivs', (SELECT i.initprivs::pg_catalog.text FROM pg_catalog.pg_init_privs i
                                      WHERE i.classoid OPERATOR(pg_catalog.=) o.classoid AND i.objoid OPERATOR(pg_catalog.=) o.objoid
                                        AND i.objsubid OPERATOR(pg_catalog.=) 0 AND i.privtype OPERATOR(pg_catalog.=) 'e'))), '[]')
        FROM (SELECT DISTINCT (x->>'classoid')::oid AS classoid, (x->>'objoid')::oid AS objoid
              FROM pg_catalog.jsonb_array_elements($1) x WHERE NOT (x->>'moves')::boolean) o $q$;
    orig jsonb;
    after jsonb;
BEGIN
    WITH obj AS (
        SELECT 'FUNCTION' AS kind, p.oid, 'pg_catalog.pg_proc'::pg_catalog.regclass::oid AS classid,
               pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes)) AS name,
               p.proacl AS acl, pg_catalog.acldefault('f', p.proowner) AS dflt
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
        UNION ALL
        SELECT 'TABLE', c.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid, pg_catalog.format('%I.%I', n.nspname, c.relname),
               c.relacl, pg_catalog.acldefault('r', c.relowner)
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    ), member AS (
        SELECT o.*, COALESCE(i.initprivs, o.dflt) AS init, COALESCE(o.acl, o.dflt) AS cur
        FROM obj o
        JOIN pg_catalog.pg_depend dep ON dep.classid OPERATOR(pg_catalog.=) o.classid AND dep.objid OPERATOR(pg_catalog.=) o.oid
         AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass AND dep.deptype OPERATOR(pg_catalog.=) 'e'
         AND dep.refobjid OPERATOR(pg_catalog.=) (SELECT x.oid FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'ces')
        LEFT JOIN pg_catalog.pg_init_privs i ON i.classoid OPERATOR(pg_catalog.=) o.classid AND i.objoid OPERATOR(pg_catalog.=) o.oid
         AND i.objsubid OPERATOR(pg_catalog.=) 0 AND i.privtype OPERATOR(pg_catalog.=) 'e'
    ), entry AS (
        SELECT m.*, true AS added, a.grantee, a.privilege_type, a.is_grantable
        FROM member m, LATERAL (SELECT x.grantee, x.privilege_type, x.is_grantable FROM pg_catalog.aclexplode(m.cur) x
                                EXCEPT SELECT x.grantee, x.privilege_type, x.is_grantable FROM pg_catalog.aclexplode(m.init) x) a
        UNION ALL
        SELECT m.*, false, a.grantee, a.privilege_type, a.is_grantable
        FROM member m, LATERAL (SELECT x.grantee, x.privilege_type, x.is_grantable FROM pg_catalog.aclexplode(m.init) x
                                EXCEPT SELECT x.grantee, x.privilege_type, x.is_grantable FROM pg_catalog.aclexplode(m.cur) x) a
    )
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'kind', e.kind, 'name', e.name, 'classoid', e.classid, 'objoid', e.oid, 'added', e.added,
               'privilege', e.privilege_type, 'grantable', e.is_grantable,
               'grantee', CASE WHEN e.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                               ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)) END,
               -- dropped at the end: their grants move, nothing to set aside
               'moves', e.name OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.ces_snapshot(text, regclass, text, text, text, timestamp with time zone)',
                                   '@extschema@.ces_backfill(text, regclass, text, text, text, timestamp with time zone, timestamp with time zone, interval)',
                                   '@extschema@.ces_create_score_view(text, regclass, text, text, text, text, boolean)']))), '[]')
    INTO delta FROM entry e;
    EXECUTE snap INTO orig USING delta;
    FOR e IN SELECT * FROM pg_catalog.jsonb_array_elements(delta) x WHERE NOT (x->>'moves')::boolean LOOP
        EXECUTE pg_catalog.format(CASE WHEN (e->>'added')::boolean THEN 'REVOKE %s ON %s %s FROM %s' ELSE 'GRANT %s ON %s %s TO %s' END,
                                  e->>'privilege', e->>'kind', e->>'name', e->>'grantee');
    END LOOP;
    -- what setting them aside left in pg_init_privs; the end of the script tells from it
    -- which objects no statement of this script touched
    EXECUTE snap INTO after USING delta;
    PERFORM pg_catalog.set_config('ces.upgrade_acl',
        pg_catalog.jsonb_build_object('delta', delta, 'orig', orig, 'after', after)::pg_catalog.text, true);
END $$;

REVOKE ALL ON FUNCTION ces_auc_trans(internal, double precision, boolean), ces_auc_final(internal),
                       ces_lift_trans(internal, double precision, boolean, jsonb),
                       ces_lift_trans_default(internal, double precision, boolean),
                       ces_lift_final(internal) FROM PUBLIC;

-- ces_lift's result as rows, for BI tools that read tables: one row per band in band order
-- (band_rank 1 = the lowest band); rate and lift are NULL for a band without accounts.
CREATE FUNCTION ces_lift_rows(result jsonb)
RETURNS TABLE (band text, band_rank integer, accounts bigint, positives bigint, rate double precision, lift double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT e.value OPERATOR(pg_catalog.->>) 'band',
           e.ordinality::pg_catalog.int4,
           (e.value OPERATOR(pg_catalog.->>) 'n')::pg_catalog.int8,
           (e.value OPERATOR(pg_catalog.->>) 'positives')::pg_catalog.int8,
           (e.value OPERATOR(pg_catalog.->>) 'rate')::pg_catalog.float8,
           (e.value OPERATOR(pg_catalog.->>) 'lift')::pg_catalog.float8
    FROM pg_catalog.jsonb_array_elements(ces_lift_rows.result) WITH ORDINALITY AS e(value, ordinality)
    ORDER BY e.ordinality;
END;
COMMENT ON FUNCTION ces_lift_rows(jsonb) IS
    'The result of ces_lift as rows: band, band_rank, accounts, positives, rate, lift';

-- Models compare by their canonical text.
-- SQL-standard bodies: bound here, at creation, so no search_path can redirect them; still inlined.
CREATE OR REPLACE FUNCTION ces_model_eq(ces_model, ces_model) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN $1::pg_catalog.text OPERATOR(pg_catalog.=) $2::pg_catalog.text;
CREATE OR REPLACE FUNCTION ces_model_ne(ces_model, ces_model) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN $1::pg_catalog.text OPERATOR(pg_catalog.<>) $2::pg_catalog.text;

-- The transition of ces_score(event, ts, model, as_of): one as_of per row.
CREATE FUNCTION ces_score_model_trans(internal, text, timestamptz, ces_model, timestamptz) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_trans';

-- Support functions are for the aggregates only: an aggregate checks EXECUTE on them against
-- its owner, not the caller, so PUBLIC needs none (and gets none: they take `internal`).
REVOKE ALL ON FUNCTION ces_model_trans(internal, text, timestamptz, ces_model),
                       ces_model_inv(internal, text, timestamptz, ces_model),
                       ces_weights_trans(internal, text, timestamptz, jsonb),
                       ces_weights_inv(internal, text, timestamptz, jsonb),
                       ces_rollup_trans(internal, ces_summary),
                       ces_state_combine(internal, internal),
                       ces_state_serialize(internal),
                       ces_state_deserialize(bytea, internal),
                       ces_state_score(internal),
                       ces_state_summary(internal),
                       ces_score_model_trans(internal, text, timestamptz, ces_model),
                       ces_score_model_trans(internal, text, timestamptz, ces_model, timestamptz),
                       ces_score_model_combine(internal, internal),
                       ces_score_model_serialize(internal),
                       ces_score_model_deserialize(bytea, internal),
                       ces_score_model_final(internal) FROM PUBLIC;

-- One as_of per row (a renewal date per account): the model stays one value for the scan,
-- so the call site parses it once; rows are scored at their own as_of.
CREATE AGGREGATE ces_score(event text, ts timestamptz, model ces_model, as_of timestamptz) (
    SFUNC = @extschema@.ces_score_model_trans, STYPE = internal, SSPACE = 256, FINALFUNC = @extschema@.ces_score_model_final,
    COMBINEFUNC = @extschema@.ces_score_model_combine, SERIALFUNC = @extschema@.ces_score_model_serialize,
    DESERIALFUNC = @extschema@.ces_score_model_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_score(text, timestamptz, ces_model, timestamptz) IS
    'Customer Engagement Score under a model at the as_of of each row: ces_score(event, ts, ces_model_at(model, as_of)) with one as_of per group';
CREATE OR REPLACE FUNCTION ces_breakdown(summary ces_summary)
    RETURNS TABLE (event text, events bigint, weight double precision, points double precision, capped boolean)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT x.event, x.events, x.weight, x.points, x.capped
    FROM pg_catalog.jsonb_to_recordset(@extschema@.ces_summary_breakdown(summary))
         AS x(event pg_catalog.text, events pg_catalog.int8, weight pg_catalog.float8, points pg_catalog.float8,
              capped pg_catalog.bool);
END;
COMMENT ON FUNCTION ces_breakdown(ces_summary) IS
    'One row per weighted event type seen (plus one for unweighted events); points add up to the score';

-- requires:
--   models

-- ces_rollup_dist: ces_rollup whose state is a ces_summary rather than internal. Citus
-- (and any engine that ships partial states as text) splits it into partial aggregates on
-- the workers, because its state type is real and has a combine function.
CREATE FUNCTION ces_summary_merge(ces_summary, ces_summary) RETURNS ces_summary
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_merge';
COMMENT ON FUNCTION ces_summary_merge(ces_summary, ces_summary) IS
    'Merges two summaries of one model (re-anchored to the later as_of)';

CREATE AGGREGATE ces_rollup_dist(ces_summary) (
    SFUNC = @extschema@.ces_summary_merge, STYPE = @extschema@.ces_summary, COMBINEFUNC = @extschema@.ces_summary_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_rollup_dist(ces_summary) IS
    'ces_rollup with a ces_summary state: Citus runs it as partial aggregates on the workers';

CREATE OR REPLACE FUNCTION ces_model_registry_immutable() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'published models are immutable: ces_model_registry cannot be truncated'
            USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
    END IF;
    RAISE EXCEPTION 'published models are immutable: model "%" version % cannot be changed', OLD.name, OLD.version
        USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
END $$;
REVOKE ALL ON FUNCTION ces_model_registry_immutable() FROM PUBLIC;


-- The view qualifies its table (same columns, so its grants stay).
CREATE OR REPLACE VIEW ces_models AS
SELECT r.name, r.version, r.model, r.note, r.created_at, r.created_by FROM @extschema@.ces_model_registry r;

-- Everyone reads; nobody but the superuser owner writes rows (ces_define_model does, for the caller).
REVOKE ALL ON ces_model_registry, ces_models FROM PUBLIC;
GRANT SELECT ON ces_model_registry, ces_models TO PUBLIC;
GRANT SELECT ON ces_model_registry, ces_models TO @extowner@ WITH GRANT OPTION;

CREATE OR REPLACE FUNCTION ces_define_model(name text, model ces_model, note text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer;
    latest text;
    -- The caller (SECURITY DEFINER makes current_user the owner): the role set with SET ROLE,
    -- else the session's user. A caller can only SET ROLE to roles it is a member of.
    who pg_catalog.name := COALESCE(NULLIF(pg_catalog.current_setting('role'), 'none'), SESSION_USER)::name;
BEGIN
    IF ces_define_model.name IS NULL OR ces_define_model.name OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'model name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    -- The names that a cast such as 'health'::ces_model looks up (src/model_type.rs,
    -- is_model_name): other text is read as a model's JSON.
    IF ces_define_model.name OPERATOR(pg_catalog.!~) '^[A-Za-z_][A-Za-z0-9_.-]*$'
       OR pg_catalog.octet_length(ces_define_model.name) OPERATOR(pg_catalog.>) 63 THEN
        RAISE EXCEPTION 'model name "%" is not valid', ces_define_model.name USING ERRCODE = '22023',
            HINT = 'a name starts with a letter or _, then letters, digits, _, - or ., at most 63 bytes';
    END IF;
    IF ces_define_model.model IS NULL THEN
        RAISE EXCEPTION 'model "%" must not be NULL', ces_define_model.name USING ERRCODE = '22023';
    END IF;
    -- One definer per name at a time, so versions are gap-free and never collide. The max()
    -- below is a new statement, so under READ COMMITTED its snapshot sees every version
    -- committed by the previous holder of the lock.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ces_define_model'), pg_catalog.hashtext(ces_define_model.name));
    SELECT r.version, r.model::pg_catalog.text INTO v, latest
    FROM @extschema@.ces_model_registry r WHERE r.name OPERATOR(pg_catalog.=) ces_define_model.name
    ORDER BY r.version DESC LIMIT 1;
    -- Publishing the latest model again is a no-op, so history is not split by a re-run
    -- deployment script. Models are stored canonical, so equal text is an equal model.
    IF latest OPERATOR(pg_catalog.=) ces_define_model.model::pg_catalog.text THEN
        RETURN v;
    END IF;
    v := COALESCE(v, 0) OPERATOR(pg_catalog.+) 1;
    BEGIN
        INSERT INTO @extschema@.ces_model_registry (name, version, model, note, created_at, created_by)
        VALUES (ces_define_model.name, v, ces_define_model.model, ces_define_model.note, pg_catalog.now(), who);
    EXCEPTION WHEN unique_violation THEN
        -- Only a REPEATABLE READ or SERIALIZABLE snapshot taken before the other definer committed.
        RAISE EXCEPTION 'model "%" version % was published by a concurrent transaction', ces_define_model.name, v
            USING ERRCODE = '40001', HINT = 'retry the transaction';
    END;
    RETURN v;
END $$;
COMMENT ON FUNCTION ces_define_model(text, ces_model, text) IS
    'Publishes a new version of a named model and returns its number; the latest version''s number when the model equals it';
-- Publishing is a privilege: the extension's owner has it and grants it.
REVOKE ALL ON FUNCTION ces_define_model(text, ces_model, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ces_define_model(text, ces_model, text) TO @extowner@ WITH GRANT OPTION;

-- The error path of ces_model(name, version): 42704 with a hint that lists what exists.
CREATE FUNCTION ces_model_missing(name text, version integer) RETURNS ces_model
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known text;
BEGIN
    SELECT pg_catalog.string_agg(DISTINCT r.name, ', ' ORDER BY r.name) INTO known FROM @extschema@.ces_model_registry r;
    known := CASE WHEN known IS NULL THEN 'no models are defined yet; publish one with ces_define_model()'
                  ELSE 'known models: ' OPERATOR(pg_catalog.||) known END;
    IF ces_model_missing.version IS NULL
       OR NOT EXISTS (SELECT FROM @extschema@.ces_model_registry r WHERE r.name OPERATOR(pg_catalog.=) ces_model_missing.name) THEN
        RAISE EXCEPTION 'model "%" does not exist', ces_model_missing.name USING ERRCODE = '42704', HINT = known;
    END IF;
    RAISE EXCEPTION 'model "%" has no version %', ces_model_missing.name, ces_model_missing.version
        USING ERRCODE = '42704',
              HINT = (SELECT 'versions of "' OPERATOR(pg_catalog.||) ces_model_missing.name OPERATOR(pg_catalog.||) '": '
                             OPERATOR(pg_catalog.||) pg_catalog.string_agg(r.version::pg_catalog.text, ', ' ORDER BY r.version)
                      FROM @extschema@.ces_model_registry r WHERE r.name OPERATOR(pg_catalog.=) ces_model_missing.name);
END $$;

-- Planner support (src/model_hoist.rs): a call of ces_model(name) or ces_model_at whose
-- arguments are constants becomes an InitPlan, run once per execution instead of per row.
CREATE FUNCTION ces_model_support(internal) RETURNS internal
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'ces_model_support';
REVOKE ALL ON FUNCTION ces_model_support(internal) FROM PUBLIC;

-- A C function (src/model_named.rs): a call site looks a name up once per snapshot, not
-- once per row, with a read-only query on the registry; 42704 through ces_model_missing.
-- (0.1.0's was PL/pgSQL; the same OID, so views over it keep working.)
CREATE OR REPLACE FUNCTION ces_model(name text, version integer DEFAULT NULL) RETURNS ces_model
    LANGUAGE c STABLE PARALLEL SAFE SUPPORT ces_model_support AS 'MODULE_PATHNAME', 'ces_model_named';

-- A C function (src/model_type.rs): a call site builds the result once per distinct input.
CREATE OR REPLACE FUNCTION ces_model_at(model ces_model, as_of timestamptz) RETURNS ces_model
    LANGUAGE c STABLE PARALLEL SAFE SUPPORT ces_model_support AS 'MODULE_PATHNAME', 'ces_model_at';
COMMENT ON FUNCTION ces_model_at(ces_model, timestamptz) IS
    'The model with its as_of set (or cleared, for NULL): score a published model at a fixed instant';
-- Support functions are for the aggregate only (it checks them against its owner, not the caller).
REVOKE ALL ON FUNCTION ces_score_trans(double precision, text, timestamptz, jsonb) FROM PUBLIC;

-- requires:
--   registry
--   ces_score_aggregate

-- The analyst and BI layer: score views, score history (snapshots and backfill), drop
-- alerts and band transitions. Plain PL/pgSQL over the aggregates; identifiers from the
-- caller are always quoted (%I, quote_ident, regclass), never spliced in.

-- This extension's schema, quoted, for SQL that must work whatever the search_path.
-- Safe with any caller: it takes no argument and reads only the catalogs.
CREATE OR REPLACE FUNCTION ces_schema() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text)
    FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.extnamespace
    WHERE x.extname OPERATOR(pg_catalog.=) 'ces'::pg_catalog.name;
END;

-- The latest published version of a model (42704 with a hint when there is none).
CREATE OR REPLACE FUNCTION ces_latest_version(model_name text) RETURNS integer LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE v integer;
BEGIN
    SELECT max(r.version) INTO v FROM @extschema@.ces_model_registry r WHERE r.name = model_name;
    IF v IS NULL THEN
        PERFORM @extschema@.ces_model(model_name, NULL::integer);  -- raises "model does not exist"
    END IF;
    RETURN v;
END $$;

-- The rank of a score's band, 1 for the lowest: BI tools sort bands by meaning with it, not
-- alphabetically. NULL for a NULL score; a bad scheme raises as ces_band does.
CREATE FUNCTION ces_band_rank(score double precision, bands jsonb) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    name text := @extschema@.ces_band(score, bands);
BEGIN
    RETURN (SELECT b.ord::integer FROM jsonb_array_elements(bands) WITH ORDINALITY AS b(e, ord)
            WHERE b.e ->> 'name' = name ORDER BY b.ord LIMIT 1);
END $$;
CREATE FUNCTION ces_band_rank(score double precision) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.ces_band_rank(score, @extschema@.ces_default_bands());
END $$;
COMMENT ON FUNCTION ces_band_rank(double precision, jsonb) IS
    'Position of the score''s band in the scheme, 1 = the lowest band';
COMMENT ON FUNCTION ces_band_rank(double precision) IS
    'Position of the score''s band in the default scheme: 1 = churn risk ... 5 = power user';

-- The work happens with a pinned search_path, so the caller's schema for an unqualified view
-- name is read first, in the caller's context, by the wrapper below.
CREATE FUNCTION ces_create_score_view_in(create_in text, view_name text, events regclass, account_column text,
                                         event_column text, ts_column text, model_name text, materialized boolean,
                                         version integer DEFAULT NULL, accounts regclass DEFAULT NULL,
                                         accounts_column text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[];
    target text;
    ext text := @extschema@.ces_schema();
    -- A view made here carries this comment prefix; an object without it is never replaced.
    marker text := 'ces score view:';
    pick text;
    account_type text;
    old_oid oid;
    old_kind "char";
    old_comment text;
    old_acl aclitem[];
    model_filter text;
    source text;
    body text;
    replaced boolean := false;
    g record;
BEGIN
    IF view_name IS NULL OR events IS NULL OR account_column IS NULL OR event_column IS NULL
       OR ts_column IS NULL OR model_name IS NULL OR materialized IS NULL THEN
        RAISE EXCEPTION 'ces_create_score_view: arguments must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF accounts IS NULL AND accounts_column IS NOT NULL THEN
        RAISE EXCEPTION 'accounts_column % is given without accounts', accounts_column USING ERRCODE = '22023';
    END IF;
    parts := pg_catalog.parse_ident(view_name);  -- 22023 for anything that is not a name
    IF array_length(parts, 1) > 2 THEN
        RAISE EXCEPTION 'view name % has too many dots; give [schema.]name', view_name USING ERRCODE = '22023';
    END IF;
    IF array_length(parts, 1) = 1 THEN
        IF create_in IS NULL THEN
            RAISE EXCEPTION 'no schema has been selected to create view % in', view_name USING ERRCODE = '3F000';
        END IF;
        parts := ARRAY[create_in] || parts;
    END IF;
    target := pg_catalog.quote_ident(parts[1]) || '.' || pg_catalog.quote_ident(parts[2]);
    -- The model must exist now (42704), and the pinned version too; the view itself resolves
    -- the latest version each time it is read (or refreshed).
    IF version IS NULL THEN
        PERFORM @extschema@.ces_latest_version(model_name);
        model_filter := '';
    ELSE
        PERFORM @extschema@.ces_model(model_name, version);
        model_filter := pg_catalog.format(' AND r.version OPERATOR(pg_catalog.=) %s::pg_catalog.int4', version);
    END IF;
    -- The account column keeps its own type (42703 when the column does not exist).
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO account_type
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = events AND a.attname = account_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF account_type IS NULL THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', account_column, events USING ERRCODE = '42703';
    END IF;
    IF accounts IS NOT NULL AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = accounts AND a.attname = COALESCE(accounts_column, account_column)
          AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', COALESCE(accounts_column, account_column), accounts
            USING ERRCODE = '42703';
    END IF;

    -- The model is resolved once per query: the aggregate reads it through an uncorrelated
    -- scalar subquery, an InitPlan whose value every row receives like a constant (no
    -- ces_model_at per row). m, the version and as_of shown, is the same one-row lookup.
    pick := pg_catalog.format($q$
            SELECT r.version AS model_version, r.model,
                   COALESCE((r.model::pg_catalog.text::pg_catalog.jsonb OPERATOR(pg_catalog.->>) 'as_of'::pg_catalog.text)::pg_catalog.timestamptz,
                            pg_catalog.now()) AS as_of
            FROM %1$s.ces_model_registry r
            WHERE r.name OPERATOR(pg_catalog.=) %2$L::pg_catalog.text%3$s
            ORDER BY r.version DESC LIMIT 1$q$, ext, model_name, model_filter);
    source := pg_catalog.format($q$
        WITH s AS (
            SELECT e.%2$I AS account,
                   %1$s.ces_agg(e.%3$I::pg_catalog.text, e.%4$I::pg_catalog.timestamptz,
                                (SELECT %1$s.ces_model_at(p.model, p.as_of) FROM (%6$s) p)) AS summary
            FROM %5$s e
            GROUP BY e.%2$I),
        m AS (%6$s)$q$,
        ext, account_column, event_column, ts_column, events, pick);
    IF accounts IS NULL THEN
        body := pg_catalog.format($q$%1$s
        SELECT s.account,
               %2$s.ces_score(s.summary) AS score,
               %2$s.ces_band(%2$s.ces_score(s.summary)) AS band,
               %2$s.ces_band_rank(%2$s.ces_score(s.summary)) AS band_rank,
               %2$s.ces_last_seen(s.summary) AS last_seen,
               %2$s.ces_event_count(s.summary) AS events,
               %2$s.ces_depth(s.summary) AS depth,
               %3$L::pg_catalog.text AS model,
               m.model_version,
               m.as_of
        FROM s CROSS JOIN m$q$, source, ext, model_name);
    ELSE
        -- Accounts without events: score 0, the band of 0, 0 events, no last_seen.
        body := pg_catalog.format($q$%1$s,
        a AS (SELECT DISTINCT x.%4$I::%5$s AS account FROM %6$s x WHERE x.%4$I IS NOT NULL)
        SELECT COALESCE(s.account, a.account) AS account,
               COALESCE(%2$s.ces_score(s.summary), 0::pg_catalog.float8) AS score,
               %2$s.ces_band(COALESCE(%2$s.ces_score(s.summary), 0::pg_catalog.float8)) AS band,
               %2$s.ces_band_rank(COALESCE(%2$s.ces_score(s.summary), 0::pg_catalog.float8)) AS band_rank,
               %2$s.ces_last_seen(s.summary) AS last_seen,
               COALESCE(%2$s.ces_event_count(s.summary), 0::pg_catalog.int8) AS events,
               COALESCE(%2$s.ces_depth(s.summary), 0::pg_catalog.int4) AS depth,
               %3$L::pg_catalog.text AS model,
               m.model_version,
               m.as_of
        FROM (s FULL JOIN a ON s.account OPERATOR(pg_catalog.=) a.account) CROSS JOIN m$q$,
            source, ext, model_name, COALESCE(accounts_column, account_column), account_type, accounts);
    END IF;

    -- Re-runnable: an object of that name is replaced only when this function made it.
    SELECT c.oid, c.relkind, pg_catalog.obj_description(c.oid, 'pg_class'), c.relacl
    INTO old_oid, old_kind, old_comment, old_acl
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = parts[1] AND c.relname = parts[2];
    IF old_oid IS NOT NULL THEN
        IF old_kind NOT IN ('v', 'm') OR old_comment IS NULL OR NOT starts_with(old_comment, marker) THEN
            RAISE EXCEPTION 'relation % already exists and was not made by ces_create_score_view', target
                USING ERRCODE = '42P07', HINT = 'choose another name, or drop it first';
        END IF;
        replaced := true;
        IF old_kind = 'v' AND NOT materialized THEN
            BEGIN
                EXECUTE 'CREATE OR REPLACE VIEW ' || target || ' AS ' || body;
                old_oid := NULL;  -- replaced in place: grants and dependent views stay
            EXCEPTION WHEN invalid_table_definition OR datatype_mismatch THEN
                NULL;  -- the columns changed: drop and create below
            END;
        END IF;
        IF old_oid IS NOT NULL THEN
            -- Dependent objects are not dropped: DROP raises 2BP01 and nothing changes.
            EXECUTE CASE old_kind WHEN 'm' THEN 'DROP MATERIALIZED VIEW ' ELSE 'DROP VIEW ' END || target;
        END IF;
    END IF;
    IF old_oid IS NOT NULL OR NOT replaced THEN
        EXECUTE CASE WHEN materialized THEN 'CREATE MATERIALIZED VIEW ' ELSE 'CREATE VIEW ' END || target || ' AS ' || body;
        -- A dropped view's grants are given again.
        FOR g IN SELECT pg_catalog.quote_ident(r.rolname) AS grantee, x.privilege_type, x.is_grantable
                 FROM pg_catalog.aclexplode(old_acl) x JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
                 WHERE x.grantee <> x.grantor
                 UNION ALL
                 SELECT 'PUBLIC', x.privilege_type, x.is_grantable
                 FROM pg_catalog.aclexplode(old_acl) x WHERE x.grantee = 0 LOOP
            EXECUTE pg_catalog.format('GRANT %s ON %s TO %s%s', g.privilege_type, target, g.grantee,
                                      CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END IF;
    IF materialized THEN
        -- One row per account: REFRESH MATERIALIZED VIEW CONCURRENTLY needs this index.
        EXECUTE 'CREATE UNIQUE INDEX ON ' || target || ' (account)';
    END IF;
    EXECUTE pg_catalog.format('COMMENT ON %s %s IS %L', CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                              target, pg_catalog.format('%s model %s, %s, events %s%s', marker, model_name,
                                                        COALESCE('version ' || version, 'latest version'), events,
                                                        COALESCE(', accounts ' || accounts, '')));
END $$;
CREATE FUNCTION ces_create_score_view(view_name text, events regclass, account_column text, event_column text,
                                      ts_column text, model_name text, materialized boolean DEFAULT false,
                                      version integer DEFAULT NULL, accounts regclass DEFAULT NULL,
                                      accounts_column text DEFAULT NULL)
RETURNS void LANGUAGE sql
BEGIN ATOMIC
    SELECT @extschema@.ces_create_score_view_in(pg_catalog.current_schema()::pg_catalog.text, view_name, events,
                                                account_column, event_column, ts_column, model_name, materialized,
                                                version, accounts, accounts_column);
END;
COMMENT ON FUNCTION ces_create_score_view(text, regclass, text, text, text, text, boolean, integer, regclass, text) IS
    'Creates or replaces a (materialized) view with one row per account: score, band, band_rank, last_seen, events, depth, model, model_version, as_of';
-- The table belongs to the superuser that ran this script (so no other role can put a trigger
-- on a table that superusers write to); the extension's owner gets what snapshots and backfills
-- need, with the right to grant it (see README "Privileges").
REVOKE ALL ON ces_score_history FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ces_score_history TO @extowner@ WITH GRANT OPTION;

-- SQL reading the caller's events as (account, event, ts), identifiers quoted; event and ts
-- cast to the exact argument types of the aggregates, so no look-alike overload can match
-- better. Safe with any arguments: it only formats a string.
CREATE OR REPLACE FUNCTION ces_events_sql(events regclass, account_column text, event_column text, ts_column text)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF events IS NULL OR account_column IS NULL OR event_column IS NULL OR ts_column IS NULL THEN
        RAISE EXCEPTION 'events, account_column, event_column and ts_column must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.format('SELECT e.%I AS account, e.%I::pg_catalog.text AS event, e.%I::pg_catalog.timestamptz AS ts FROM %s e',
                  account_column, event_column, ts_column, events);
END $$;

-- Accounts of an accounts table (their column: accounts_column, else account_column) without a
-- history row at n_dates dates (from_ts, from_ts + step_s seconds, ...) get score 0 and the band of 0: an account that went quiet drops to 0
-- instead of disappearing. Internal to ces_snapshot and ces_backfill (which hold the lock);
-- it runs with the caller's rights, like them.
CREATE FUNCTION ces_history_quiet(accounts regclass, accounts_column text, account_column text, model_name text,
                                  v integer, from_ts timestamptz, n_dates integer, step_s numeric)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF accounts IS NULL THEN
        IF accounts_column IS NOT NULL THEN
            RAISE EXCEPTION 'accounts_column % is given without accounts', accounts_column USING ERRCODE = '22023';
        END IF;
        RETURN 0;
    END IF;
    EXECUTE pg_catalog.format($q$
        INSERT INTO %1$s.ces_score_history (model, model_version, account, as_of, score, band)
        SELECT $1, $2, a.account,
               $3 OPERATOR(pg_catalog.+) (((i OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.*) $5 OPERATOR(pg_catalog.*) 1000000)::pg_catalog.float8 OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
               0::pg_catalog.float8, %1$s.ces_band(0::pg_catalog.float8)
        FROM (SELECT DISTINCT x.%2$I::pg_catalog.text AS account FROM %3$s x WHERE x.%2$I IS NOT NULL) a,
             pg_catalog.generate_series(1, $4) i
        ON CONFLICT (model, model_version, account, as_of) DO NOTHING
        $q$, @extschema@.ces_schema(), COALESCE(accounts_column, account_column), accounts)
    USING model_name, v, from_ts, n_dates, step_s;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

CREATE FUNCTION ces_snapshot(model_name text, events regclass, account_column text, event_column text,
                             ts_column text, as_of timestamptz DEFAULT now(), accounts regclass DEFAULT NULL,
                             accounts_column text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer := @extschema@.ces_latest_version(model_name);
    ext text := @extschema@.ces_schema();
    src text := @extschema@.ces_events_sql(events, account_column, event_column, ts_column);
    n bigint;
BEGIN
    IF as_of IS NULL OR NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'as_of must be a finite timestamp' USING ERRCODE = '22023';
    END IF;
    IF accounts IS NULL AND accounts_column IS NOT NULL THEN
        RAISE EXCEPTION 'accounts_column % is given without accounts', accounts_column USING ERRCODE = '22023';
    END IF;
    -- Writers of one model's history take turns (snapshots and backfills of the same model
    -- would otherwise collide on the primary key or deadlock); the rows are upserted, so a
    -- transaction that sees an older state still never raises 23505.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ces_score_history'), pg_catalog.hashtext(model_name));
    DELETE FROM @extschema@.ces_score_history h
    WHERE h.model = model_name AND h.model_version = v AND h.as_of = ces_snapshot.as_of;
    -- Every account with an event at or before as_of gets a row (0 when none is in the window).
    -- The model is resolved once and passed as a parameter: an expression here would be
    -- evaluated (a registry lookup) on every row.
    EXECUTE pg_catalog.format($q$
        INSERT INTO %1$s.ces_score_history (model, model_version, account, as_of, score, band)
        SELECT $1, $2, x.account::pg_catalog.text, $3, x.score, %1$s.ces_band(x.score)
        FROM (SELECT src.account, %1$s.ces_score(src.event, src.ts, $4) AS score
              FROM (%2$s) src WHERE src.ts OPERATOR(pg_catalog.<=) $3 GROUP BY src.account) x
        ON CONFLICT (model, model_version, account, as_of)
        DO UPDATE SET score = EXCLUDED.score, band = EXCLUDED.band, created_at = EXCLUDED.created_at
        $q$, ext, src)
    USING model_name, v, as_of, @extschema@.ces_model_at(@extschema@.ces_model(model_name, v), as_of);
    GET DIAGNOSTICS n = ROW_COUNT;
    n := n + @extschema@.ces_history_quiet(accounts, accounts_column, account_column, model_name, v, as_of, 1, 0);
    RETURN n;
END $$;
COMMENT ON FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz, regclass, text) IS
    'Scores every account at as_of under the latest model version into ces_score_history (replacing that snapshot); with accounts, accounts without events score 0';
-- Internal: only ces_backfill calls it. Its arguments size its buffers, so it is not for
-- PUBLIC; the extension's owner holds it and grants it with the backfill recipe. (An
-- aggregate checks its support functions against its owner, so revoking them is safe.)
REVOKE ALL ON FUNCTION ces_history_trans(internal, text, timestamptz, ces_model, timestamptz, bigint, integer, bigint),
                       ces_history_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION ces_history(text, timestamptz, ces_model, timestamptz, bigint, integer, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ces_history(text, timestamptz, ces_model, timestamptz, bigint, integer, bigint)
    TO @extowner@ WITH GRANT OPTION;

CREATE FUNCTION ces_backfill(model_name text, events regclass, account_column text, event_column text,
                             ts_column text, from_ts timestamptz, to_ts timestamptz, step interval DEFAULT '1 day',
                             accounts regclass DEFAULT NULL, accounts_column text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer := @extschema@.ces_latest_version(model_name);
    ext text := @extschema@.ces_schema();
    src text := @extschema@.ces_events_sql(events, account_column, event_column, ts_column);
    model @extschema@.ces_model := @extschema@.ces_model_at(@extschema@.ces_model(model_name, v), NULL);
    lookback interval := (model::text::jsonb ->> 'lookback')::interval;
    step_s numeric;
    n_dates bigint;
    expected bigint;
    total bigint;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR step IS NULL OR NOT isfinite(from_ts) OR NOT isfinite(to_ts) THEN
        RAISE EXCEPTION 'from_ts, to_ts and step must be given and finite' USING ERRCODE = '22023';
    END IF;
    IF accounts IS NULL AND accounts_column IS NOT NULL THEN
        RAISE EXCEPTION 'accounts_column % is given without accounts', accounts_column USING ERRCODE = '22023';
    END IF;
    IF from_ts > to_ts THEN
        RAISE EXCEPTION 'from_ts % is after to_ts %', from_ts, to_ts USING ERRCODE = '22023';
    END IF;
    IF extract(month FROM step) <> 0 OR extract(year FROM step) <> 0 OR step <= interval '0' THEN
        RAISE EXCEPTION 'step must be a positive fixed-length interval (days, hours, ...), got %', step
            USING ERRCODE = '22023';
    END IF;
    step_s := extract(epoch FROM step);
    IF lookback IS NOT NULL AND extract(epoch FROM lookback) % step_s <> 0 THEN
        RAISE EXCEPTION 'the model''s lookback (%) must be a whole number of steps (%)', lookback, step
            USING ERRCODE = '22023', HINT = 'choose a step that divides the lookback, such as 1 day';
    END IF;
    n_dates := floor(extract(epoch FROM to_ts - from_ts) / step_s)::bigint + 1;
    IF n_dates > 100000 THEN
        RAISE EXCEPTION 'ces_backfill: % dates is too many; one backfill scores at most 100000 dates', n_dates
            USING ERRCODE = '54000', HINT = 'use a longer step, or backfill the range in parts';
    END IF;
    -- Planner statistics give the expected number of accounts, for progress reports.
    SELECT CASE WHEN s.n_distinct >= 0 THEN s.n_distinct ELSE -s.n_distinct * c.reltuples END::bigint INTO expected
    FROM pg_catalog.pg_stats s JOIN pg_catalog.pg_class c ON c.oid = events
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = account_column;

    -- Writers of one model's history take turns (snapshots and backfills of the same model
    -- would otherwise collide on the primary key or deadlock); the rows are upserted, so a
    -- transaction that sees an older state still never raises 23505.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ces_score_history'), pg_catalog.hashtext(model_name));
    DELETE FROM @extschema@.ces_score_history h
    WHERE h.model = model_name AND h.model_version = v AND h.as_of >= from_ts AND h.as_of <= to_ts
      AND (extract(epoch FROM h.as_of - from_ts) % step_s) = 0;
    RAISE NOTICE 'ces_backfill: scoring % dates of model "%" version % in one pass over %', n_dates, model_name, v, events;
    -- One pass over the events: each account's events go into per-step buckets, and every
    -- date's score comes from the buckets in its window (dates in fixed-length steps, so a
    -- daylight-saving change does not move them).
    EXECUTE pg_catalog.format($q$
        INSERT INTO %1$s.ces_score_history (model, model_version, account, as_of, score, band)
        SELECT $1, $2, x.account::pg_catalog.text,
               $3 OPERATOR(pg_catalog.+) (((i OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.*) $4 OPERATOR(pg_catalog.*) 1000000)::pg_catalog.float8 OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
               x.s[i], %1$s.ces_band(x.s[i])
        FROM (SELECT src.account, %1$s.ces_history(src.event, src.ts, $5, $3, $6, $7, $8) AS s
              FROM (%2$s) src WHERE src.ts OPERATOR(pg_catalog.<=) $9 GROUP BY src.account) x,
             pg_catalog.generate_subscripts(x.s, 1) i
        WHERE x.s[i] IS NOT NULL
        ON CONFLICT (model, model_version, account, as_of)
        DO UPDATE SET score = EXCLUDED.score, band = EXCLUDED.band, created_at = EXCLUDED.created_at
        $q$, ext, src)
    USING model_name, v, from_ts, step_s, model, (step_s * 1000000)::bigint, n_dates::integer, expected, to_ts;
    GET DIAGNOSTICS total = ROW_COUNT;
    total := total + @extschema@.ces_history_quiet(accounts, accounts_column, account_column, model_name, v,
                                                   from_ts, n_dates::integer, step_s);
    RAISE NOTICE 'ces_backfill: done, % rows', total;
    RETURN total;
END $$;
COMMENT ON FUNCTION ces_backfill(text, regclass, text, text, text, timestamptz, timestamptz, interval, regclass, text) IS
    'Writes one snapshot per date from from_ts to to_ts under the latest model version, reading the events once; with accounts, accounts without events score 0';

-- The nearest snapshot at or before an instant, for a model's latest version in the history.
CREATE OR REPLACE FUNCTION ces_history_at(model_name text, at timestamptz, OUT model_version integer, OUT as_of timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT max(h.model_version) INTO model_version FROM @extschema@.ces_score_history h WHERE h.model = model_name;
    IF model_version IS NULL THEN
        RAISE EXCEPTION 'no score history for model "%"', model_name
            USING ERRCODE = '42704', HINT = 'build it with ces_snapshot() or ces_backfill()';
    END IF;
    SELECT max(h.as_of) INTO as_of FROM @extschema@.ces_score_history h
    WHERE h.model = model_name AND h.model_version = ces_history_at.model_version AND h.as_of <= at;
END $$;

CREATE OR REPLACE FUNCTION ces_drops(model_name text, as_of timestamptz, lookback interval DEFAULT '30 days',
                          min_drop_pct double precision DEFAULT 20)
RETURNS TABLE (account text, score_then double precision, score_now double precision, drop_pct double precision,
               band_then text, band_now text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    now_v integer; now_at timestamptz; then_at timestamptz; then_v integer;
BEGIN
    IF as_of IS NULL OR lookback IS NULL OR min_drop_pct IS NULL THEN
        RAISE EXCEPTION 'as_of, lookback and min_drop_pct must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT h.model_version, h.as_of INTO now_v, now_at FROM @extschema@.ces_history_at(model_name, ces_drops.as_of) h;
    SELECT h.model_version, h.as_of INTO then_v, then_at FROM @extschema@.ces_history_at(model_name, ces_drops.as_of - lookback) h;
    IF now_at IS NULL OR then_at IS NULL OR now_at = then_at THEN
        RETURN;
    END IF;
    -- drop_pct = 100 × (then − now) / |then|: a fall from −10 to −30 is a 200% drop. From a
    -- score of 0 there is no percentage: the account is listed (drop_pct NULL) when it fell below 0.
    RETURN QUERY
    SELECT n.account, t.score, n.score,
           CASE WHEN t.score = 0 THEN NULL ELSE 100 * (t.score - n.score) / abs(t.score) END AS pct,
           t.band, n.band
    FROM @extschema@.ces_score_history n
    JOIN @extschema@.ces_score_history t
      ON t.model = n.model AND t.model_version = n.model_version AND t.account = n.account AND t.as_of = then_at
    WHERE n.model = model_name AND n.model_version = now_v AND n.as_of = now_at
      AND CASE WHEN t.score = 0 THEN n.score < 0
               ELSE 100 * (t.score - n.score) / abs(t.score) >= min_drop_pct END
    ORDER BY pct DESC NULLS FIRST, n.account;
END $$;
COMMENT ON FUNCTION ces_drops(text, timestamptz, interval, double precision) IS
    'Accounts whose score fell by at least min_drop_pct between the snapshots nearest to as_of - lookback and as_of';

CREATE OR REPLACE FUNCTION ces_band_transitions(model_name text, from_as_of timestamptz, to_as_of timestamptz)
RETURNS TABLE (from_band text, to_band text, accounts bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer; from_at timestamptz; to_at timestamptz;
BEGIN
    SELECT h.model_version, h.as_of INTO v, from_at FROM @extschema@.ces_history_at(model_name, from_as_of) h;
    SELECT h.as_of INTO to_at FROM @extschema@.ces_history_at(model_name, to_as_of) h;
    RETURN QUERY
    WITH f AS (SELECT h.account, h.band FROM @extschema@.ces_score_history h
               WHERE h.model = model_name AND h.model_version = v AND h.as_of = from_at),
         t AS (SELECT h.account, h.band FROM @extschema@.ces_score_history h
               WHERE h.model = model_name AND h.model_version = v AND h.as_of = to_at),
         bands AS (SELECT b.ord, b.e ->> 'name' AS name
                   FROM jsonb_array_elements(@extschema@.ces_default_bands()) WITH ORDINALITY AS b(e, ord))
    SELECT f.band, t.band, count(*)
    FROM f FULL JOIN t USING (account)
    GROUP BY f.band, t.band
    ORDER BY (SELECT ord FROM bands WHERE name = f.band) NULLS FIRST, f.band,
             (SELECT ord FROM bands WHERE name = t.band) NULLS FIRST, t.band;
END $$;
COMMENT ON FUNCTION ces_band_transitions(text, timestamptz, timestamptz) IS
    'Accounts moving between bands from one snapshot to another; NULL for accounts in only one of them';

-- Issue 14: fitted weights (sql/fit.sql, unchanged).
-- Fitted weights: learn a readable ces_model from outcomes (renewed, churned) in one pass
-- over the events. See src/fit.rs and crates/ces-core/src/fit/. Both functions read the
-- tables with the caller's rights (not SECURITY DEFINER); the C function builds its queries
-- from the regclass arguments (schema-qualified) and quoted column names.

CREATE FUNCTION ces_fit_model(events regclass, account_column text, event_column text, ts_column text,
                              outcomes regclass, outcome_column text, as_of timestamptz,
                              options jsonb DEFAULT '{}') RETURNS ces_model
    LANGUAGE c VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'ces_fit_model';
COMMENT ON FUNCTION ces_fit_model(regclass, text, text, text, regclass, text, timestamptz, jsonb) IS
    'Fits a model from outcomes: L2 logistic regression on decayed event counts, half-life chosen by k-fold AUC, weights as points';

-- The report as JSON text: what ces_fit_report reads.
CREATE FUNCTION ces_fit_report_json(events regclass, account_column text, event_column text, ts_column text,
                                    outcomes regclass, outcome_column text, as_of timestamptz,
                                    options jsonb DEFAULT '{}') RETURNS text
    LANGUAGE c VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'ces_fit_report_json';
COMMENT ON FUNCTION ces_fit_report_json(regclass, text, text, text, regclass, text, timestamptz, jsonb) IS
    'The report of ces_fit_report as a JSON array (internal: use ces_fit_report)';

-- One row per event type (sorted by name); the summary columns (half_life .. scale) repeat
-- on every row.
CREATE FUNCTION ces_fit_report(events regclass, account_column text, event_column text, ts_column text,
                               outcomes regclass, outcome_column text, as_of timestamptz,
                               options jsonb DEFAULT '{}')
RETURNS TABLE (event text, points double precision, coef double precision, std_error double precision,
               accounts bigint, kept boolean, half_life interval, cv_auc double precision,
               equal_weights_auc double precision, baseline_auc double precision, scale double precision)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT x.event, x.points, x.coef, x.std_error, x.accounts, x.kept, x.half_life, x.cv_auc,
           x.equal_weights_auc, x.baseline_auc, x.scale
    FROM pg_catalog.jsonb_array_elements(
             @extschema@.ces_fit_report_json(ces_fit_report.events, ces_fit_report.account_column,
                                             ces_fit_report.event_column, ces_fit_report.ts_column,
                                             ces_fit_report.outcomes, ces_fit_report.outcome_column,
                                             ces_fit_report.as_of, ces_fit_report.options)::pg_catalog.jsonb)
             WITH ORDINALITY AS r(value, ordinality),
         LATERAL pg_catalog.jsonb_to_record(r.value)
             AS x(event pg_catalog.text, points pg_catalog.float8, coef pg_catalog.float8,
                  std_error pg_catalog.float8, accounts pg_catalog.int8, kept pg_catalog.bool,
                  half_life pg_catalog.interval, cv_auc pg_catalog.float8,
                  equal_weights_auc pg_catalog.float8, baseline_auc pg_catalog.float8,
                  scale pg_catalog.float8)
    ORDER BY r.ordinality;
END;
COMMENT ON FUNCTION ces_fit_report(regclass, text, text, text, regclass, text, timestamptz, jsonb) IS
    'Per event type: points, coefficient, standard error, accounts, kept; plus the chosen half-life and cross-validated, equal-weights and baseline AUC';

-- Three functions gained arguments (accounts, accounts_column; version): the 0.2.0
-- signatures are new functions, and the 0.1.0 ones go.
DROP FUNCTION ces_snapshot(text, regclass, text, text, text, timestamptz);
DROP FUNCTION ces_backfill(text, regclass, text, text, text, timestamptz, timestamptz, interval);
DROP FUNCTION ces_create_score_view(text, regclass, text, text, text, text, boolean);

-- The DBA's grants, set aside at the start, are made again, and the extension's initial
-- privileges are put back to what this script's own statements set (an object that none
-- of them touched gets its 0.1.0 entry back), so pg_dump keeps dumping the DBA's grants.
-- On the three replaced functions the grants move to the new signatures. 0.1.0 published
-- models through INSERT on ces_model_registry; 0.2.0 publishes through ces_define_model
-- only (SECURITY DEFINER; EXECUTE is the privilege): a role that could insert gets EXECUTE
-- on ces_define_model instead, and no role but the owner keeps a write privilege there.
DO $$
DECLARE
    state jsonb := pg_catalog.current_setting('ces.upgrade_acl')::jsonb;
    e jsonb;
    o jsonb;
    target text;
    saved jsonb;
    ext oid := (SELECT x.oid FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'ces');
BEGIN
    IF pg_catalog.jsonb_array_length(state->'delta') OPERATOR(pg_catalog.=) 0 THEN
        RETURN;
    END IF;
    FOR o IN SELECT * FROM pg_catalog.jsonb_array_elements(state->'orig') LOOP
        IF (SELECT i.initprivs::pg_catalog.text FROM pg_catalog.pg_init_privs i
            WHERE i.classoid OPERATOR(pg_catalog.=) (o->>'classoid')::oid AND i.objoid OPERATOR(pg_catalog.=) (o->>'objoid')::oid
              AND i.objsubid OPERATOR(pg_catalog.=) 0 AND i.privtype OPERATOR(pg_catalog.=) 'e')
           IS NOT DISTINCT FROM
           (SELECT a->>'initprivs' FROM pg_catalog.jsonb_array_elements(state->'after') a
            WHERE (a->'classoid') OPERATOR(pg_catalog.=) (o->'classoid') AND (a->'objoid') OPERATOR(pg_catalog.=) (o->'objoid')) THEN
            DELETE FROM pg_catalog.pg_init_privs i
            WHERE i.classoid OPERATOR(pg_catalog.=) (o->>'classoid')::oid AND i.objoid OPERATOR(pg_catalog.=) (o->>'objoid')::oid
              AND i.objsubid OPERATOR(pg_catalog.=) 0 AND i.privtype OPERATOR(pg_catalog.=) 'e';
            INSERT INTO pg_catalog.pg_init_privs (objoid, classoid, objsubid, privtype, initprivs)
            SELECT (o->>'objoid')::oid, (o->>'classoid')::oid, 0, 'e', (o->>'initprivs')::pg_catalog.aclitem[]
            WHERE o->>'initprivs' IS NOT NULL;
        END IF;
    END LOOP;

    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('classoid', i.classoid, 'objoid', i.objoid,
                                'objsubid', i.objsubid, 'initprivs', i.initprivs::pg_catalog.text))
    INTO saved
    FROM pg_catalog.pg_init_privs i JOIN pg_catalog.pg_depend dep
      ON dep.classid OPERATOR(pg_catalog.=) i.classoid AND dep.objid OPERATOR(pg_catalog.=) i.objoid
     AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND dep.refobjid OPERATOR(pg_catalog.=) ext AND dep.deptype OPERATOR(pg_catalog.=) 'e'
    WHERE i.privtype OPERATOR(pg_catalog.=) 'e';

    FOR e IN SELECT * FROM pg_catalog.jsonb_array_elements(state->'delta') LOOP
        target := CASE e->>'name'
            WHEN '@extschema@.ces_snapshot(text, regclass, text, text, text, timestamp with time zone)'
            THEN '@extschema@.ces_snapshot(text, regclass, text, text, text, timestamptz, regclass, text)'
            WHEN '@extschema@.ces_backfill(text, regclass, text, text, text, timestamp with time zone, timestamp with time zone, interval)'
            THEN '@extschema@.ces_backfill(text, regclass, text, text, text, timestamptz, timestamptz, interval, regclass, text)'
            WHEN '@extschema@.ces_create_score_view(text, regclass, text, text, text, text, boolean)'
            THEN '@extschema@.ces_create_score_view(text, regclass, text, text, text, text, boolean, integer, regclass, text)'
            ELSE e->>'name' END;
        IF target OPERATOR(pg_catalog.=) '@extschema@.ces_model_registry' AND (e->>'privilege') OPERATOR(pg_catalog.<>) 'SELECT' THEN
            IF (e->>'added')::boolean AND (e->>'privilege') OPERATOR(pg_catalog.=) 'INSERT' THEN
                EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.ces_define_model(text, @extschema@.ces_model, text) TO %s',
                                          e->>'grantee');
            END IF;
            CONTINUE;
        END IF;
        IF (e->>'added')::boolean THEN
            EXECUTE pg_catalog.format('GRANT %s ON %s %s TO %s%s', e->>'privilege', e->>'kind', target, e->>'grantee',
                                      CASE WHEN (e->>'grantable')::boolean THEN ' WITH GRANT OPTION' ELSE '' END);
        ELSE
            EXECUTE pg_catalog.format('REVOKE %s ON %s %s FROM %s', e->>'privilege', e->>'kind', target, e->>'grantee');
        END IF;
    END LOOP;

    DELETE FROM pg_catalog.pg_init_privs i USING pg_catalog.pg_depend dep
    WHERE dep.classid OPERATOR(pg_catalog.=) i.classoid AND dep.objid OPERATOR(pg_catalog.=) i.objoid
      AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND dep.refobjid OPERATOR(pg_catalog.=) ext AND dep.deptype OPERATOR(pg_catalog.=) 'e'
      AND i.privtype OPERATOR(pg_catalog.=) 'e';
    INSERT INTO pg_catalog.pg_init_privs (objoid, classoid, objsubid, privtype, initprivs)
    SELECT (x->>'objoid')::oid, (x->>'classoid')::oid, (x->>'objsubid')::integer, 'e', (x->>'initprivs')::pg_catalog.aclitem[]
    FROM pg_catalog.jsonb_array_elements(COALESCE(saved, '[]')) x;
END $$;
