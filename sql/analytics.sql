-- The analyst and BI layer: score views, score history (snapshots and backfill), drop
-- alerts and band transitions. Plain PL/pgSQL over the aggregates; identifiers from the
-- caller are always quoted (%I, quote_ident, regclass), never spliced in.

-- This extension's schema, quoted, for SQL that must work whatever the search_path.
-- Safe with any caller: it takes no argument and reads only the catalogs.
CREATE FUNCTION ces_schema() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text)
    FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.extnamespace
    WHERE x.extname OPERATOR(pg_catalog.=) 'ces'::pg_catalog.name;
END;

-- The latest published version of a model (42704 with a hint when there is none).
CREATE FUNCTION ces_latest_version(model_name text) RETURNS integer LANGUAGE plpgsql STABLE
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
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_band_rank_custom';
CREATE FUNCTION ces_band_rank(score double precision) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_band_rank_default';
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
    -- A view made here carries this comment prefix; an object without it is never replaced.
    marker text := 'ces score view:';
    pick text;
    account_type text;
    account_typid oid;
    account_typmod integer;
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
    SELECT a.atttypid, a.atttypmod INTO account_typid, account_typmod
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = events AND a.attname = account_column AND a.attnum > 0 AND NOT a.attisdropped;
    account_type := pg_catalog.format_type(account_typid, account_typmod);
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
            FROM @extschema@.ces_model_registry r
            WHERE r.name OPERATOR(pg_catalog.=) %L::pg_catalog.text%s
            ORDER BY r.version DESC LIMIT 1$q$, model_name, model_filter);
    source := pg_catalog.format($q$
        WITH s AS (
            SELECT e.%I AS account,
                   @extschema@.ces_agg(e.%I::pg_catalog.text, e.%I::pg_catalog.timestamptz,
                                (SELECT @extschema@.ces_model_at(p.model, p.as_of) FROM (%s) p)) AS summary
            FROM %s e
            GROUP BY e.%I),
        m AS (%s)$q$,
        account_column, event_column, ts_column, pick, events, account_column, pick);
    IF accounts IS NULL THEN
        body := pg_catalog.format($q$%s
        SELECT s.account,
               @extschema@.ces_score(s.summary) AS score,
               @extschema@.ces_band(@extschema@.ces_score(s.summary)) AS band,
               @extschema@.ces_band_rank(@extschema@.ces_score(s.summary)) AS band_rank,
               @extschema@.ces_last_seen(s.summary) AS last_seen,
               @extschema@.ces_event_count(s.summary) AS events,
               @extschema@.ces_depth(s.summary) AS depth,
               %L::pg_catalog.text AS model,
               m.model_version,
               m.as_of
        FROM s CROSS JOIN m$q$, source, model_name);
    ELSE
        -- Accounts without events: score 0, the band of 0, 0 events, no last_seen.
        body := pg_catalog.format($q$%s,
        a AS (SELECT DISTINCT x.%I::%s AS account FROM %s x WHERE x.%I IS NOT NULL)
        SELECT COALESCE(s.account, a.account) AS account,
               COALESCE(@extschema@.ces_score(s.summary), 0::pg_catalog.float8) AS score,
               @extschema@.ces_band(COALESCE(@extschema@.ces_score(s.summary), 0::pg_catalog.float8)) AS band,
               @extschema@.ces_band_rank(COALESCE(@extschema@.ces_score(s.summary), 0::pg_catalog.float8)) AS band_rank,
               @extschema@.ces_last_seen(s.summary) AS last_seen,
               COALESCE(@extschema@.ces_event_count(s.summary), 0::pg_catalog.int8) AS events,
               COALESCE(@extschema@.ces_depth(s.summary), 0::pg_catalog.int4) AS depth,
               %L::pg_catalog.text AS model,
               m.model_version,
               m.as_of
        FROM (s FULL JOIN a ON s.account OPERATOR(pg_catalog.=) a.account) CROSS JOIN m$q$,
            source, COALESCE(accounts_column, account_column), account_type, accounts,
            COALESCE(accounts_column, account_column), model_name);
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
                EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW %I.%I AS %s', parts[1], parts[2], body);
                old_oid := NULL;  -- replaced in place: grants and dependent views stay
            EXCEPTION WHEN invalid_table_definition OR datatype_mismatch THEN
                NULL;  -- the columns changed: drop and create below
            END;
        END IF;
        IF old_oid IS NOT NULL THEN
            -- Dependent objects are not dropped: DROP raises 2BP01 and nothing changes.
            EXECUTE pg_catalog.format('DROP %s %I.%I', CASE old_kind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                                      parts[1], parts[2]);
        END IF;
    END IF;
    IF old_oid IS NOT NULL OR NOT replaced THEN
        EXECUTE pg_catalog.format('CREATE %s %I.%I AS %s', CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                                  parts[1], parts[2], body);
        -- A dropped view's grants are given again: the privilege is one of a view's keywords
        -- (nothing else is spliced in), the grantee a quoted role name or PUBLIC.
        FOR g IN SELECT r.rolname, x.grantee, x.privilege_type, x.is_grantable
                 FROM pg_catalog.aclexplode(old_acl) x LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
                 WHERE x.grantee <> x.grantor AND (x.grantee = 0 OR r.rolname IS NOT NULL) LOOP
            EXECUTE pg_catalog.format('GRANT %s ON %I.%I TO %s%s',
                CASE g.privilege_type WHEN 'SELECT' THEN 'SELECT' WHEN 'INSERT' THEN 'INSERT' WHEN 'UPDATE' THEN 'UPDATE'
                     WHEN 'DELETE' THEN 'DELETE' WHEN 'TRUNCATE' THEN 'TRUNCATE' WHEN 'REFERENCES' THEN 'REFERENCES'
                     WHEN 'TRIGGER' THEN 'TRIGGER' WHEN 'MAINTAIN' THEN 'MAINTAIN' END,
                parts[1], parts[2],
                CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(g.rolname) END,
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

-- Score history: one row per model version, account and as_of. Rows are user data (pg_dump keeps them).
CREATE TABLE ces_score_history (
    model text NOT NULL,
    model_version integer NOT NULL,
    account text NOT NULL,
    as_of timestamptz NOT NULL,
    score double precision,
    band text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, model_version, account, as_of)
);
CREATE INDEX ces_score_history_as_of ON @extschema@.ces_score_history (model, model_version, as_of);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ces_score_history'::pg_catalog.regclass, '');
-- The table belongs to the superuser that ran this script (so no other role can put a trigger
-- on a table that superusers write to); the extension's owner gets what snapshots and backfills
-- need, with the right to grant it (see README "Privileges").
REVOKE ALL ON ces_score_history FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ces_score_history TO @extowner@ WITH GRANT OPTION;

-- SQL reading the caller's events as (account, event, ts), identifiers quoted; event and ts
-- cast to the exact argument types of the aggregates, so no look-alike overload can match
-- better. Safe with any arguments: it only formats a string.
CREATE FUNCTION ces_events_sql(events regclass, account_column text, event_column text, ts_column text)
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

-- The one-pass engine of ces_backfill: per account, the score of every date as a float8[].
CREATE FUNCTION ces_history_trans(internal, text, timestamptz, ces_model, timestamptz, bigint, integer, bigint)
    RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_history_trans';
CREATE FUNCTION ces_history_final(internal) RETURNS double precision[]
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_history_final';
CREATE AGGREGATE ces_history(event text, ts timestamptz, model ces_model, from_ts timestamptz,
                             step_us bigint, n_dates integer, expected_accounts bigint) (
    -- about 12 bytes per event of an account (100 events: 1.5 kB)
    SFUNC = @extschema@.ces_history_trans, STYPE = internal, SSPACE = 2048, FINALFUNC = @extschema@.ces_history_final
);
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
CREATE FUNCTION ces_history_at(model_name text, at timestamptz, OUT model_version integer, OUT as_of timestamptz)
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

CREATE FUNCTION ces_drops(model_name text, as_of timestamptz, lookback interval DEFAULT '30 days',
                          min_drop_pct double precision DEFAULT 20)
RETURNS TABLE (account text, score_then double precision, score_now double precision, drop_pct double precision,
               band_then text, band_now text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    now_v integer; now_at timestamptz; then_at timestamptz;
BEGIN
    IF as_of IS NULL OR lookback IS NULL OR min_drop_pct IS NULL THEN
        RAISE EXCEPTION 'as_of, lookback and min_drop_pct must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT h.model_version, h.as_of INTO now_v, now_at FROM @extschema@.ces_history_at(model_name, ces_drops.as_of) h;
    -- The earlier snapshot is compared under the same model version (the join below).
    SELECT h.as_of INTO then_at FROM @extschema@.ces_history_at(model_name, ces_drops.as_of - lookback) h;
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

CREATE FUNCTION ces_band_transitions(model_name text, from_as_of timestamptz, to_as_of timestamptz)
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
