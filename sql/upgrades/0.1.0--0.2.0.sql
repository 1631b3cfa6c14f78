-- ces 0.1.0 -> 0.2.0 (ALTER EXTENSION ces UPDATE TO '0.2.0'): the template of the upgrade
-- script. build.rs (crates/ces-upgrade) writes sql/ces--0.1.0--0.2.0.sql from it, with each
-- line `--@ces-sources ...` replaced by every re-runnable statement of those sql/*.sql files,
-- in that order (an order in which their statements can be created): functions, aggregates
-- and views as CREATE OR REPLACE, then their comments, grants and revokes. Together the lines
-- name every sql/*.sql file once (the build fails otherwise). So a change to a function in
-- sql/*.sql reaches the update by itself, and this file holds only what an update alone does.
--
-- What goes here by hand:
-- - a new or changed type, table, operator, trigger, index or cast (the generator leaves
--   those out, as they exist already), placed where what it needs exists and before what
--   needs it: split the sources line in two around it when both are in the sources (a new
--   base type: its shell type above, its I/O functions' file, then CREATE TYPE, then the rest);
-- - a changed #[pg_extern] function (ces_band(score), ces_default_bands, ces_normalize): its
--   CREATE OR REPLACE;
-- - a changed result type, renamed arguments or a removed default: DROP the function above the
--   sources line (views over it must be dropped and made again);
-- - a new signature of an existing function: the sources create it; DROP the old one below
--   them, and list both signatures in the two DO blocks, so the DBA's grants move with it;
-- - a view whose columns change other than by appending: DROP it above.
-- tests/upgrade.sh proves the result: it upgrades a 0.1.0 database holding models, history
-- and stored summaries, and compares its catalog with a fresh install
-- (scripts/upgrade_diff.sh); any difference fails the test.
--
-- Statements run in order in one transaction, as a superuser, with search_path =
-- @extschema@, pg_temp (pg_catalog implicitly first). 0.1.0 is commit 5ffd84b; its install
-- script is sql/versions/ces--0.1.0.sql, as pgrx generated it.

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

-- Every function, aggregate and view of 0.2.0, with its comment and grants.
--@ces-sources models ces_score registry backtest analytics distributed fit


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
