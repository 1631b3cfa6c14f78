-- Hostile queries against named models and their planner support (model_hoist.rs).
BEGIN;  -- published models stay in the registry: everything here is rolled back
CREATE TABLE hn_events AS
SELECT (i % 10) AS account, (ARRAY['login','upgraded','other'])[1 + i % 3] AS event,
       timestamptz '2026-09-01 00:00+00' + i * interval '1 hour' AS ts
FROM generate_series(1, 1000) i;
CREATE TABLE hn_models (id int, model ces_model);
SELECT ces_define_model('hn', '{"weights":{"login":1,"upgraded":50},"half_life":"7 days","lookback":"30 days"}');
INSERT INTO hn_models VALUES (1, ces_model('hn'::text)), (2, '{"login":2}');
ANALYZE hn_events, hn_models;

-- A subquery is taken for one the support function made only when it is exactly one:
-- a column named like its marker proves nothing (this one crashed the server, its
-- expression taken out of its query read a relation that was not there).
SELECT count(*) FILTER (WHERE m IS NULL) AS nulls, count(*) AS rows
FROM (SELECT ces_model_at((SELECT m.model AS ces_model_once FROM hn_models m WHERE m.id = e.account), '2026-10-01 00:00+00') m
      FROM hn_events e) x;
SELECT ces_model_at((SELECT ces_model('hn'::text) AS ces_model_once FROM hn_models WHERE false), '2026-10-01 00:00+00') IS NULL AS empty_is_null
FROM hn_events LIMIT 1;
SELECT expect_error($$SELECT ces_model_at((SELECT model AS ces_model_once FROM hn_models), '2026-10-01 00:00+00') FROM hn_events$$);

-- A correlated EXISTS is planned a second time as IN, its WHERE clause simplified with the
-- outer query's planner state: a call there is left to the inner query (this was
-- "cannot handle unplanned sub-select").
SELECT m.id, EXISTS (SELECT 1 FROM hn_events e WHERE e.account = m.id AND ces_model('hn'::text)::text <> '') AS found
FROM hn_models m ORDER BY m.id;
SELECT count(*) FROM hn_models m
WHERE m.id = 5 OR EXISTS (SELECT 1 FROM hn_events e WHERE e.account = m.id AND ces_model_at(ces_model('hn'::text), now()) IS NOT NULL);
-- (an EXISTS's LIMIT is simplified the same way, in place)
SELECT count(*) FROM hn_models m
WHERE EXISTS (SELECT 1 FROM hn_events e WHERE e.account = m.id LIMIT length(ces_model('hn'::text)::text));

-- ces_score(event, ts, model, as_of) with a capped model keeps a copy of the model per as_of:
-- bounded in bytes too (it grew by 1.2 MB per group for a 99 kB model, without limit).
CREATE TABLE hn_big AS
SELECT ('{"weights":{' || string_agg(format('"%s":%s', repeat('e', 1000) || i,
        CASE WHEN i = 0 THEN '{"weight":1,"cap":5}' ELSE '1' END), ',') || '}}')::ces_model AS m
FROM generate_series(0, 899) i;
SELECT expect_error($$SELECT count(s) FROM (SELECT ces_score('e', ts, b.m, ts) s FROM hn_big b, generate_series(1, 80) g,
                      LATERAL (SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 s' ts) x GROUP BY g) y$$);
ROLLBACK;
