-- Rolling windows: ces_score(...) OVER (... RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW)
-- with the inverse transition, against a self-join reference.
SET timezone = 'UTC';
BEGIN;
SELECT setseed(0.9);
CREATE TEMP TABLE ev AS
SELECT i AS id, (random() * 40)::int AS account,
       (ARRAY['login','project_added','upgraded','support_ticket','other', NULL])[1 + (random() * 5.999)::int] AS event,
       timestamptz '2026-07-01' + random() * interval '90 days' AS ts
FROM generate_series(1, 4000) i;
\set w '{"login":1,"project_added":5,"upgraded":50,"support_ticket":-3.5}'
CREATE TEMP TABLE reference AS
SELECT e1.id, sum(CASE e2.event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5 WHEN 'upgraded' THEN 50
                                WHEN 'support_ticket' THEN -3.5 ELSE 0 END)::float8 AS score
FROM ev e1 JOIN ev e2 ON e2.account = e1.account AND e2.ts > e1.ts - interval '30 days' AND e2.ts <= e1.ts
GROUP BY e1.id;

SELECT count(*) AS rows,
       count(*) FILTER (WHERE w.score = r.score) AS jsonb_equal,
       count(*) FILTER (WHERE w.uncast = r.score) AS uncast_equal
FROM (SELECT id,
             ces_score(event, ts, :'w'::jsonb) OVER win AS score,
             ces_score(event, ts, :'w') OVER win AS uncast
      FROM ev WINDOW win AS (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW)) w
JOIN reference r USING (id);
-- The inverse transition gives what recomputing every frame gives: the same sliding frame
-- (2,000 rows over 10,000) with the aggregate as shipped, and with a copy declared without
-- MINVFUNC. How much faster the inverse is, is a benchmark (bench/run.sh, window_inverse
-- against window_no_inverse), not a timed assertion here.
CREATE AGGREGATE pg_temp.ces_score_no_inverse(text, timestamptz, jsonb) (
    SFUNC = ces_score_trans, STYPE = double precision);
CREATE TEMP TABLE long_ev AS
SELECT i, (ARRAY['login','upgraded','other'])[1 + i % 3] AS event, timestamptz '2026-01-01' + i * interval '1 minute' AS ts
FROM generate_series(1, 10000) i;
SELECT (SELECT sum(s) FROM (SELECT pg_temp.ces_score_no_inverse(event, ts, '{"login":1,"upgraded":50}'::jsonb)
                            OVER (ORDER BY i ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW) s FROM long_ev) x)
     = (SELECT sum(s) FROM (SELECT ces_score(event, ts, '{"login":1,"upgraded":50}'::jsonb)
                            OVER (ORDER BY i ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW) s FROM long_ev) x) AS same_result;

-- A decaying model cannot be reversed exactly: the inverse declines and PostgreSQL
-- recomputes each frame, so results still match the reference formula.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(w.score - r.score) <= 1e-9 * greatest(abs(r.score), 1)) AS within_1e9
FROM (SELECT id, ces_score(event, ts, ces_model('{"login":1,"upgraded":50}', half_life => '7 days', as_of => '2026-10-01 00:00+00'))
                 OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW) AS score
      FROM ev) w
JOIN (SELECT e1.id, sum(CASE e2.event WHEN 'login' THEN 1 WHEN 'upgraded' THEN 50 ELSE 0 END
                        * power(0.5, extract(epoch FROM timestamptz '2026-10-01 00:00+00' - e2.ts) / (7 * 86400))::float8) AS score
      FROM ev e1 JOIN ev e2 ON e2.account = e1.account AND e2.ts > e1.ts - interval '30 days' AND e2.ts <= e1.ts
      GROUP BY e1.id) r USING (id);
-- Frames that become empty score NULL, as the plain aggregate does for no rows.
SELECT ts, ces_score(e, ts, '{"a":1}'::jsonb) OVER (ORDER BY ts RANGE BETWEEN '1 day' PRECEDING AND '1 day' PRECEDING) AS prev_day
FROM (VALUES ('a', timestamptz '2026-01-01'), ('a', '2026-01-02'), ('a', '2026-01-05')) v(e, ts) ORDER BY ts;
-- Weights must not change inside a moving frame.
SELECT expect_error($$SELECT ces_score(e, ts, w::jsonb) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
                      FROM (VALUES ('a', timestamptz '2026-01-01', '{"a":1}'), ('a', '2026-01-02', '{"a":2}')) v(e, ts, w)$$);
ROLLBACK;
