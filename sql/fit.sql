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
