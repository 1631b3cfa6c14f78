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
