-- Scoring models (ces_model), summaries (ces_summary) and their aggregates.
-- Support functions are raw C functions; see src/model_agg.rs and src/summary_type.rs.

-- ces_model: a validated model stored as canonical JSON. PREFERRED in category U, so an
-- uncast literal such as ces_score(event, ts, '{"login":1}') resolves to it instead of
-- being ambiguous with the jsonb overload; its input also accepts bare weights.
CREATE TYPE ces_model;
CREATE FUNCTION ces_model_in(cstring) RETURNS ces_model
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_in';
CREATE FUNCTION ces_model_out(ces_model) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_out';
CREATE FUNCTION ces_model_recv(internal) RETURNS ces_model
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_recv';
CREATE FUNCTION ces_model_send(ces_model) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_send';
CREATE TYPE ces_model (
    INPUT = @extschema@.ces_model_in, OUTPUT = @extschema@.ces_model_out,
    RECEIVE = @extschema@.ces_model_recv, SEND = @extschema@.ces_model_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended, CATEGORY = 'U', PREFERRED = true
);
COMMENT ON TYPE ces_model IS 'Customer Engagement Score model: weights, half-life decay, caps, lookback and as_of, as canonical JSON';

-- Models compare by their canonical text.
-- SQL-standard bodies: bound here, at creation, so no search_path can redirect them; still inlined.
CREATE FUNCTION ces_model_eq(ces_model, ces_model) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN $1::pg_catalog.text OPERATOR(pg_catalog.=) $2::pg_catalog.text;
CREATE FUNCTION ces_model_ne(ces_model, ces_model) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN $1::pg_catalog.text OPERATOR(pg_catalog.<>) $2::pg_catalog.text;
CREATE OPERATOR = (LEFTARG = ces_model, RIGHTARG = ces_model, PROCEDURE = @extschema@.ces_model_eq,
                   COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>));
CREATE OPERATOR <> (LEFTARG = ces_model, RIGHTARG = ces_model, PROCEDURE = @extschema@.ces_model_ne,
                    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=));

CREATE FUNCTION ces_model(weights jsonb, half_life interval DEFAULT NULL, lookback interval DEFAULT NULL,
                          as_of timestamptz DEFAULT NULL) RETURNS ces_model
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_make';
COMMENT ON FUNCTION ces_model(jsonb, interval, interval, timestamptz) IS
    'Builds a validated scoring model; weights values are numbers or {"weight", "half_life", "cap"} objects';

-- ces_summary: the two-step form of a score; stores its model, so it is self-contained.
CREATE TYPE ces_summary;
CREATE FUNCTION ces_summary_in(cstring) RETURNS ces_summary
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_in';
CREATE FUNCTION ces_summary_out(ces_summary) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_out';
CREATE FUNCTION ces_summary_recv(internal) RETURNS ces_summary
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_recv';
CREATE FUNCTION ces_summary_send(ces_summary) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_send';
CREATE TYPE ces_summary (
    INPUT = @extschema@.ces_summary_in, OUTPUT = @extschema@.ces_summary_out,
    RECEIVE = @extschema@.ces_summary_recv, SEND = @extschema@.ces_summary_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE ces_summary IS 'Per-account engagement summary: counts and decayed sums per event type, with its model';

-- Shared state functions of ces_score(model), ces_agg and ces_rollup.
CREATE FUNCTION ces_model_trans(internal, text, timestamptz, ces_model) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_trans';
CREATE FUNCTION ces_model_inv(internal, text, timestamptz, ces_model) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_model_inv';
CREATE FUNCTION ces_weights_trans(internal, text, timestamptz, jsonb) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_weights_trans';
CREATE FUNCTION ces_weights_inv(internal, text, timestamptz, jsonb) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_weights_inv';
CREATE FUNCTION ces_rollup_trans(internal, ces_summary) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_rollup_trans';
CREATE FUNCTION ces_state_combine(internal, internal) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_state_combine';
CREATE FUNCTION ces_state_serialize(internal) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_state_serialize';
CREATE FUNCTION ces_state_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_state_deserialize';
CREATE FUNCTION ces_state_score(internal) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_state_score';
CREATE FUNCTION ces_state_summary(internal) RETURNS ces_summary
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_state_summary';
-- ces_score(model)'s own: a constant model without caps, with a fixed as_of, keeps only its
-- running sum (by value, in the hash entry); any other model, the shared state above.
CREATE FUNCTION ces_score_model_trans(internal, text, timestamptz, ces_model) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_trans';
CREATE FUNCTION ces_score_model_trans(internal, text, timestamptz, ces_model, timestamptz) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_trans';
CREATE FUNCTION ces_score_model_combine(internal, internal) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_combine';
CREATE FUNCTION ces_score_model_serialize(internal) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_serialize';
CREATE FUNCTION ces_score_model_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_deserialize';
CREATE FUNCTION ces_score_model_final(internal) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_model_final';

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

-- SSPACE: the state is a 48-byte header plus 16 bytes per weighted event type; without it
-- PostgreSQL assumes 8 kB per group and hash aggregation spills to disk beyond ~65k groups.
CREATE AGGREGATE ces_score(event text, ts timestamptz, model ces_model) (
    SFUNC = @extschema@.ces_score_model_trans, STYPE = internal, SSPACE = 256, FINALFUNC = @extschema@.ces_score_model_final,
    COMBINEFUNC = @extschema@.ces_score_model_combine, SERIALFUNC = @extschema@.ces_score_model_serialize,
    DESERIALFUNC = @extschema@.ces_score_model_deserialize,
    MSFUNC = @extschema@.ces_model_trans, MINVFUNC = @extschema@.ces_model_inv, MSTYPE = internal, MFINALFUNC = @extschema@.ces_state_score,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_score(text, timestamptz, ces_model) IS
    'Customer Engagement Score under a model: windowed, decayed and capped weighted counts';

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

CREATE AGGREGATE ces_agg(event text, ts timestamptz, model ces_model) (
    SFUNC = @extschema@.ces_model_trans, STYPE = internal, SSPACE = 256, FINALFUNC = @extschema@.ces_state_summary,
    COMBINEFUNC = @extschema@.ces_state_combine, SERIALFUNC = @extschema@.ces_state_serialize, DESERIALFUNC = @extschema@.ces_state_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE ces_agg(event text, ts timestamptz, weights jsonb) (
    SFUNC = @extschema@.ces_weights_trans, STYPE = internal, SSPACE = 256, FINALFUNC = @extschema@.ces_state_summary,
    COMBINEFUNC = @extschema@.ces_state_combine, SERIALFUNC = @extschema@.ces_state_serialize, DESERIALFUNC = @extschema@.ces_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_agg(text, timestamptz, ces_model) IS 'Builds a ces_summary: read it with ces_score, ces_breakdown, ...';

CREATE AGGREGATE ces_rollup(ces_summary) (
    SFUNC = @extschema@.ces_rollup_trans, STYPE = internal, SSPACE = 256, FINALFUNC = @extschema@.ces_state_summary,
    COMBINEFUNC = @extschema@.ces_state_combine, SERIALFUNC = @extschema@.ces_state_serialize, DESERIALFUNC = @extschema@.ces_state_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_rollup(ces_summary) IS
    'Combines summaries of one model (re-anchored to the latest as_of), as if aggregated in one pass';

-- Accessors.
CREATE FUNCTION ces_score(summary ces_summary) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_score';
CREATE FUNCTION ces_score_at(summary ces_summary, as_of timestamptz) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_score_at';
CREATE FUNCTION ces_last_seen(summary ces_summary) RETURNS timestamptz
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_last_seen';
CREATE FUNCTION ces_event_count(summary ces_summary) RETURNS bigint
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_event_count';
CREATE FUNCTION ces_depth(summary ces_summary) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_depth';
CREATE FUNCTION ces_summary_breakdown(summary ces_summary) RETURNS jsonb
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_summary_breakdown';
CREATE FUNCTION ces_breakdown(summary ces_summary)
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
