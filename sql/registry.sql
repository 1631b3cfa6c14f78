-- Named, versioned models. Published versions are immutable; any role can read them.
-- Publishing goes through ces_define_model only: it is SECURITY DEFINER (the table belongs to
-- the superuser that ran the script, so no other role can add triggers to it or write rows),
-- and EXECUTE on it is the publishing privilege, which the extension's owner holds and grants.
-- Every function pins its search_path and qualifies what it calls (CVE-2018-1058): see README
-- "Privileges".

CREATE TABLE ces_model_registry (
    name text NOT NULL CHECK (name OPERATOR(pg_catalog.<>) ''),
    version integer NOT NULL CHECK (version OPERATOR(pg_catalog.>) 0),
    model @extschema@.ces_model NOT NULL,
    note text,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (name, version)
);
-- Rows are user data: pg_dump dumps them, CREATE EXTENSION on restore brings back the table.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ces_model_registry'::pg_catalog.regclass, '');

CREATE FUNCTION ces_model_registry_immutable() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'published models are immutable: ces_model_registry cannot be truncated'
            USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
    END IF;
    RAISE EXCEPTION 'published models are immutable: model "%" version % cannot be changed', OLD.name, OLD.version
        USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
END $$;
CREATE TRIGGER ces_model_registry_immutable BEFORE UPDATE OR DELETE ON @extschema@.ces_model_registry
    FOR EACH ROW EXECUTE FUNCTION @extschema@.ces_model_registry_immutable();
CREATE TRIGGER ces_model_registry_no_truncate BEFORE TRUNCATE ON @extschema@.ces_model_registry
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ces_model_registry_immutable();
REVOKE ALL ON FUNCTION ces_model_registry_immutable() FROM PUBLIC;

CREATE VIEW ces_models AS
SELECT r.name, r.version, r.model, r.note, r.created_at, r.created_by FROM @extschema@.ces_model_registry r;

-- Everyone reads; nobody but the superuser owner writes rows (ces_define_model does, for the caller).
REVOKE ALL ON ces_model_registry, ces_models FROM PUBLIC;
GRANT SELECT ON ces_model_registry, ces_models TO PUBLIC;
GRANT SELECT ON ces_model_registry, ces_models TO @extowner@ WITH GRANT OPTION;

CREATE FUNCTION ces_define_model(name text, model ces_model, note text DEFAULT NULL) RETURNS integer
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
CREATE FUNCTION ces_model(name text, version integer DEFAULT NULL) RETURNS ces_model
    LANGUAGE c STABLE PARALLEL SAFE SUPPORT ces_model_support AS 'MODULE_PATHNAME', 'ces_model_named';
COMMENT ON FUNCTION ces_model(text, integer) IS 'A published model by name; the latest version when version is NULL';

-- A C function (src/model_type.rs): a call site builds the result once per distinct input.
CREATE FUNCTION ces_model_at(model ces_model, as_of timestamptz) RETURNS ces_model
    LANGUAGE c STABLE PARALLEL SAFE SUPPORT ces_model_support AS 'MODULE_PATHNAME', 'ces_model_at';
COMMENT ON FUNCTION ces_model_at(ces_model, timestamptz) IS
    'The model with its as_of set (or cleared, for NULL): score a published model at a fixed instant';
