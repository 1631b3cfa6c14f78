-- Named, versioned models. Published versions are immutable; any role can read them;
-- defining one needs INSERT on ces_model_registry, which the DBA grants.

CREATE TABLE ces_model_registry (
    name text NOT NULL CHECK (name <> ''),
    version integer NOT NULL CHECK (version > 0),
    model ces_model NOT NULL,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT current_user,
    PRIMARY KEY (name, version)
);
-- Rows are user data: pg_dump dumps them, CREATE EXTENSION on restore brings back the table.
SELECT pg_catalog.pg_extension_config_dump('ces_model_registry', '');

CREATE FUNCTION ces_model_registry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'published models are immutable: ces_model_registry cannot be truncated'
            USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
    END IF;
    RAISE EXCEPTION 'published models are immutable: model "%" version % cannot be changed', OLD.name, OLD.version
        USING ERRCODE = '55000', HINT = 'define a new version with ces_define_model()';
END $$;
CREATE TRIGGER ces_model_registry_immutable BEFORE UPDATE OR DELETE ON ces_model_registry
    FOR EACH ROW EXECUTE FUNCTION ces_model_registry_immutable();
CREATE TRIGGER ces_model_registry_no_truncate BEFORE TRUNCATE ON ces_model_registry
    FOR EACH STATEMENT EXECUTE FUNCTION ces_model_registry_immutable();

CREATE VIEW ces_models AS
SELECT name, version, model, note, created_at, created_by FROM ces_model_registry;

REVOKE ALL ON ces_model_registry FROM PUBLIC;
GRANT SELECT ON ces_model_registry, ces_models TO PUBLIC;

CREATE FUNCTION ces_define_model(name text, model ces_model, note text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v integer;
BEGIN
    IF ces_define_model.name IS NULL OR ces_define_model.name = '' THEN
        RAISE EXCEPTION 'model name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF ces_define_model.model IS NULL THEN
        RAISE EXCEPTION 'model "%" must not be NULL', ces_define_model.name USING ERRCODE = '22023';
    END IF;
    -- One definer per name at a time, so versions are gap-free and never collide.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ces_define_model'), pg_catalog.hashtext(ces_define_model.name));
    SELECT coalesce(max(r.version), 0) + 1 INTO v
    FROM @extschema@.ces_model_registry r WHERE r.name = ces_define_model.name;
    INSERT INTO @extschema@.ces_model_registry (name, version, model, note)
    VALUES (ces_define_model.name, v, ces_define_model.model, ces_define_model.note);
    RETURN v;
END $$;
COMMENT ON FUNCTION ces_define_model(text, ces_model, text) IS 'Publishes a new version of a named model and returns its number';

CREATE FUNCTION ces_model(name text, version integer DEFAULT NULL) RETURNS ces_model
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    m @extschema@.ces_model;
    known text;
BEGIN
    SELECT r.model INTO m FROM @extschema@.ces_model_registry r
    WHERE r.name = ces_model.name AND (ces_model.version IS NULL OR r.version = ces_model.version)
    ORDER BY r.version DESC LIMIT 1;
    IF FOUND THEN
        RETURN m;
    END IF;
    SELECT string_agg(DISTINCT r.name, ', ' ORDER BY r.name) INTO known FROM @extschema@.ces_model_registry r;
    known := CASE WHEN known IS NULL THEN 'no models are defined yet; publish one with ces_define_model()'
                  ELSE 'known models: ' || known END;
    IF ces_model.version IS NULL OR NOT EXISTS (SELECT FROM @extschema@.ces_model_registry r WHERE r.name = ces_model.name) THEN
        RAISE EXCEPTION 'model "%" does not exist', ces_model.name USING ERRCODE = '42704', HINT = known;
    END IF;
    RAISE EXCEPTION 'model "%" has no version %', ces_model.name, ces_model.version
        USING ERRCODE = '42704',
              HINT = (SELECT 'versions of "' || ces_model.name || '": ' || string_agg(r.version::text, ', ' ORDER BY r.version)
                      FROM @extschema@.ces_model_registry r WHERE r.name = ces_model.name);
END $$;
COMMENT ON FUNCTION ces_model(text, integer) IS 'A published model by name; the latest version when version is NULL';

CREATE FUNCTION ces_model_at(model ces_model, as_of timestamptz) RETURNS ces_model
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN as_of IS NULL THEN (model::text::jsonb - 'as_of')::text
                ELSE jsonb_set(model::text::jsonb, '{as_of}', to_jsonb(as_of))::text END::@extschema@.ces_model
$$;
COMMENT ON FUNCTION ces_model_at(ces_model, timestamptz) IS
    'The model with its as_of set (or cleared, for NULL): score a published model at a fixed instant';
