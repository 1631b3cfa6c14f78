-- Hostile inputs to the ces_score forms (issue 10). One NULL rule for every form (README,
-- "NULLs"): a row with a NULL event counts nothing; a NULL ts counts only when the model has
-- no time rules; a row with an event and a NULL model or weights raises 22023; no rows give
-- NULL; rows that count nothing give 0 (ces_agg: an empty summary, or NULL when no row had a
-- model). Encoding: names are matched byte for byte and never replaced (tests/sql_ascii.sh
-- runs the non-UTF-8 cases in a SQL_ASCII database). Hot paths: the rows that reach the
-- unguarded transitions with unusual shapes.

-- Cases: each group is scored by every form. w is the row's weights (NULL: no model).
CREATE TABLE hf AS
SELECT * FROM (VALUES
    ('1 null events',                 NULL,      timestamptz '2026-09-30 00:00+00', '{"login":1,"upgraded":50}'::jsonb),
    ('1 null events',                 NULL,      '2026-09-30 01:00+00',             '{"login":1,"upgraded":50}'),
    ('2 null event, null model',      NULL,      '2026-09-30 00:00+00',             NULL),
    ('2 null event, null model',      NULL,      '2026-09-30 01:00+00',             NULL),
    ('3 null model first, then rows', NULL,      '2026-09-30 00:00+00',             NULL),
    ('3 null model first, then rows', 'login',   '2026-09-30 01:00+00',             '{"login":1,"upgraded":50}'),
    ('3 null model first, then rows', 'upgraded','2026-09-30 02:00+00',             '{"login":1,"upgraded":50}'),
    ('4 null ts',                     'login',   NULL,                              '{"login":1,"upgraded":50}'),
    ('4 null ts',                     'upgraded','2026-09-30 02:00+00',             '{"login":1,"upgraded":50}'),
    ('5 unweighted only',             'logout',  '2026-09-30 00:00+00',             '{"login":1,"upgraded":50}')
) v(c, e, t, w);

-- Weights and models from the row (a per-row model uses the palloc'd state).
SELECT c,
       ces_score(e, t, w) AS jsonb,
       ces_score(e, t, ces_model(w)) AS model,
       ces_score(e, t, ces_model(w, lookback => '30 days', as_of => '2026-10-01 00:00+00')) AS timed_model,
       ces_score(ces_agg(e, t, w)) AS agg_jsonb,
       ces_score(ces_agg(e, t, ces_model(w))) AS agg_model,
       ces_event_count(ces_agg(e, t, w)) AS agg_events
FROM hf GROUP BY c ORDER BY c;

-- Constant weights and models (the hot paths): a NULL-model row cannot occur, so the cases
-- only differ in events and timestamps.
SELECT c,
       ces_score(e, t, '{"login":1,"upgraded":50}'::jsonb) AS jsonb,
       ces_score(e, t, '{"login":1,"upgraded":50}'::ces_model) AS by_row,
       ces_score(e, t, '{"login":1,"upgraded":{"weight":50,"cap":60}}'::ces_model) AS capped,
       ces_score(e, t, ces_model('{"login":1,"upgraded":50}', half_life => '1 day', as_of => '2026-10-01 00:00+00')) AS decayed,
       ces_score(ces_agg(e, t, '{"login":1,"upgraded":50}'::ces_model)) AS agg
FROM hf GROUP BY c ORDER BY c;

-- No rows: NULL in every form.
SELECT ces_score(e, t, w) AS jsonb, ces_score(e, t, ces_model(w)) AS model,
       ces_score(e, t, '{"login":1}'::ces_model) AS const_model, ces_agg(e, t, w) AS agg
FROM hf WHERE false;

-- A NULL model on a row with an event: 22023 in every form, the window forms included.
SELECT expect_error($$SELECT ces_score(e, t, NULL::jsonb) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, NULL::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, t, NULL::ces_model) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_agg(e, t, NULL::ces_model) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_agg(e, t, NULL::jsonb) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_score(e, t, NULL::jsonb) OVER (ORDER BY t RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_score(e, t, NULL::ces_model) OVER (ORDER BY t RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_score(e, t, NULL::ces_model) OVER (ORDER BY t) FROM (VALUES ('login', now())) v(e, t)$$);
SELECT expect_error($$SELECT ces_agg(e, t, NULL::ces_model) OVER (ORDER BY t) FROM (VALUES ('login', now())) v(e, t)$$);
-- The issue's reproducers: these agreed neither with each other nor with the window form.
SELECT ces_score(NULL, t, NULL::jsonb) AS jsonb, ces_score(NULL, t, NULL::ces_model) AS model
FROM (VALUES (timestamptz '2026-09-30 00:00+00')) v(t);
SELECT ces_score(NULL, t, NULL::jsonb) OVER (ORDER BY t RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) AS jsonb_window,
       ces_score(NULL, t, NULL::ces_model) OVER (ORDER BY t RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) AS model_window
FROM (VALUES (timestamptz '2026-09-30 00:00+00')) v(t);

-- Window forms. RANGE frames use the moving state (MSFUNC/MINVFUNC/MFINALFUNC); a frame
-- from UNBOUNDED PRECEDING uses the plain transition. An empty frame (the '2 days' to
-- '1 hour' PRECEDING one on each group's first row) is no rows: NULL.
SELECT c, e, t,
       ces_score(e, t, w) OVER day AS jsonb_day,
       ces_score(e, t, ces_model(w)) OVER day AS model_day,
       ces_score(e, t, '{"login":1,"upgraded":50}'::jsonb) OVER day AS const_day,
       ces_score(e, t, w) OVER before AS jsonb_before,
       ces_score(e, t, ces_model(w)) OVER before AS model_before,
       ces_score(e, t, ces_model(w)) OVER running AS model_running,
       ces_score(ces_agg(e, t, ces_model(w)) OVER running) AS agg_running
FROM hf
WINDOW day AS (PARTITION BY c ORDER BY t RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW),
       before AS (PARTITION BY c ORDER BY t RANGE BETWEEN '2 days' PRECEDING AND '1 hour' PRECEDING),
       running AS (PARTITION BY c ORDER BY t ROWS UNBOUNDED PRECEDING)
ORDER BY c, t;

-- Forced parallel: groups whose rows are split between workers, with NULL-model rows in
-- some, per-row and constant models, equal the serial results.
CREATE TABLE hf_par AS
SELECT i % 500 AS g,
       CASE WHEN i % 7 = 0 THEN NULL ELSE (ARRAY['login','upgraded','logout'])[1 + i % 3] END AS e,
       timestamptz '2026-09-01 00:00+00' + i * interval '1 minute' AS t,
       CASE WHEN i % 7 = 0 AND i % 500 < 100 THEN NULL ELSE '{"login":1,"upgraded":50}'::jsonb END AS w
FROM generate_series(1, 40000) i;
-- Groups 0-99 with only NULL-model rows on some worker: rows i % 7 = 0 of those groups.
ANALYZE hf_par;
CREATE TABLE hf_serial AS
SELECT g, ces_score(e, t, w) AS jsonb, ces_score(e, t, ces_model(w)) AS model,
       ces_score(e, t, '{"login":1,"upgraded":{"weight":50,"cap":500}}'::ces_model) AS capped,
       ces_score(ces_agg(e, t, ces_model(w))) AS agg
FROM hf_par GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT g, ces_score(e, t, ces_model(w)) FROM hf_par GROUP BY g$q$, 'Partial') AS partial_grouped,
       plan_has($q$SELECT ces_score(e, t, ces_model(w)) FROM hf_par WHERE w IS NULL$q$, 'Partial Aggregate') AS partial_total;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE p.jsonb = s.jsonb) AS jsonb_equal,
       count(*) FILTER (WHERE p.model = s.model) AS model_equal,
       count(*) FILTER (WHERE p.capped = s.capped) AS capped_equal,
       count(*) FILTER (WHERE p.agg = s.agg) AS agg_equal
FROM (SELECT g, ces_score(e, t, w) AS jsonb, ces_score(e, t, ces_model(w)) AS model,
             ces_score(e, t, '{"login":1,"upgraded":{"weight":50,"cap":500}}'::ces_model) AS capped,
             ces_score(ces_agg(e, t, ces_model(w))) AS agg
      FROM hf_par GROUP BY g) p
JOIN hf_serial s USING (g);
-- Only rows that count nothing, split between workers: 0 (NULL for ces_agg: no model).
SELECT ces_score(e, t, w) AS jsonb, ces_score(e, t, ces_model(w)) AS model, ces_agg(e, t, ces_model(w)) AS agg
FROM hf_par WHERE w IS NULL;
-- A worker that saw only NULL-model rows combined with one that built a state.
SELECT ces_score(e, t, ces_model(w)) = (SELECT ces_score(e, t, ces_model(w)) FROM hf_par WHERE g < 100 AND w IS NOT NULL) AS mixed_equal
FROM hf_par WHERE g < 100;
-- An error in a worker reaches the leader as the same ERROR.
SELECT expect_error($$SELECT ces_score(coalesce(e, 'login'), t, ces_model(w)) FROM hf_par$$);
RESET ALL;

-- Hot-path shapes: an empty name, one byte, names that share the sampled bytes of a
-- weighted name, a long (compressed) and an out-of-line name, in one group and constant
-- weights; all take the unguarded path or fall back to the guarded one, and agree.
CREATE TABLE hf_names (e text);
ALTER TABLE hf_names ALTER COLUMN e SET STORAGE external;
INSERT INTO hf_names VALUES (''), ('l'), ('login'), ('lxgxn'), ('logi'), ('loginn'), ('Login'),
    (repeat('login', 1000)), (repeat('x', 100000)), ('login');
SELECT ces_score(e, '2026-09-30 00:00+00', '{"login":1,"l":10}'::jsonb) AS jsonb,
       ces_score(e, '2026-09-30 00:00+00', '{"login":1,"l":10}'::ces_model) AS by_row,
       ces_score(e, '2026-09-30 00:00+00', '{"login":{"weight":1,"cap":5},"l":10}'::ces_model) AS capped,
       ces_event_count(ces_agg(e, '2026-09-30 00:00+00', '{"login":1,"l":10}'::ces_model)) AS counted
FROM hf_names;
SELECT expect_error($$SELECT ces_score(e, NULL, '{"":1}'::ces_model) FROM hf_names$$);

DROP TABLE hf, hf_par, hf_serial, hf_names;
