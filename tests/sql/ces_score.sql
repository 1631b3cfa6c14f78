-- ces_score(event, ts, weights jsonb): the weighted-count aggregate.
\set weights '{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}'
BEGIN;
CREATE TEMP TABLE ev (account int, event text, ts timestamptz);

-- The textbook example: login 1x30, team member added 10x4, project added 5x5, upgraded 50x1 = 145
INSERT INTO ev SELECT 1, 'login', '2026-01-01'::timestamptz + i * interval '1 day' FROM generate_series(1, 30) i;
INSERT INTO ev SELECT 1, 'team_member_added', '2026-01-02' FROM generate_series(1, 4);
INSERT INTO ev SELECT 1, 'project_added', '2026-01-03' FROM generate_series(1, 5);
INSERT INTO ev VALUES (1, 'upgraded', '2026-01-04');
SELECT account, ces_score(event, ts, :'weights'::jsonb) AS score FROM ev GROUP BY account;

-- Unweighted events contribute 0; NULL events contribute nothing; ts does not filter.
INSERT INTO ev VALUES (2, 'logout', now()), (2, NULL, NULL), (2, 'login', '1900-01-01'), (2, 'LOGIN', now());
SELECT account, ces_score(event, ts, :'weights'::jsonb) FROM ev GROUP BY account ORDER BY account;

-- Only unweighted or NULL events: 0, not NULL.
SELECT ces_score(event, ts, :'weights'::jsonb) FROM ev WHERE account = 2 AND event IS DISTINCT FROM 'login';
SELECT ces_score(NULL::text, NULL::timestamptz, NULL::jsonb);

-- No rows: NULL.
SELECT ces_score(event, ts, :'weights'::jsonb) FROM ev WHERE false;
SELECT count(*), ces_score(event, ts, :'weights'::jsonb) FROM ev WHERE account = 99;

-- LEFT JOIN: accounts without events score 0.
CREATE TEMP TABLE accounts (account int, plan text);
INSERT INTO accounts VALUES (1, 'pro'), (2, 'free'), (3, 'free');
SELECT a.account, ces_score(e.event, e.ts, :'weights'::jsonb) AS score
FROM accounts a LEFT JOIN ev e USING (account) GROUP BY a.account ORDER BY a.account;

-- Negative and fractional weights.
SELECT ces_score(event, ts, '{"login":0.5,"logout":-2.25}'::jsonb) FROM ev WHERE account = 2;

-- Weights vary per row: joined per plan.
CREATE TEMP TABLE plan_weights (plan text, weights jsonb);
INSERT INTO plan_weights VALUES ('pro', '{"login":2,"upgraded":100}'), ('free', '{"login":1,"logout":-1}');
SELECT a.account, a.plan, ces_score(e.event, e.ts, w.weights)
FROM accounts a JOIN ev e USING (account) JOIN plan_weights w USING (plan)
GROUP BY 1, 2 ORDER BY 1;
-- Interleaved weights in one group: each row uses its own.
SELECT ces_score(event, NULL, weights)
FROM (VALUES ('a', '{"a":1}'::jsonb), ('a', '{"a":10}'), ('a', '{"a":1}'), ('b', '{"b":100,"a":0}')) v(event, weights);

-- Several aggregates with different weights in one query.
SELECT ces_score(event, ts, '{"login":1}'::jsonb) AS logins, ces_score(event, ts, '{"upgraded":1}'::jsonb) AS upgrades,
       ces_score(event, ts, :'weights'::jsonb) AS score
FROM ev WHERE account = 1;

-- As a window function over partitions.
SELECT DISTINCT account, ces_score(event, ts, :'weights'::jsonb) OVER (PARTITION BY account)
FROM ev ORDER BY account;
ROLLBACK;

-- Bad weights: ERROR 22023 naming the key or value.
SELECT expect_error($$SELECT ces_score(e, NULL, '[1,2]'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '"login"'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '{"login":"one"}'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '{"login":1,"upgraded":null}'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '{"login":1e400}'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '{"":1}'::jsonb) FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_score(e, NULL, NULL::jsonb) FROM (VALUES ('login')) v(e)$$);
-- A bad weight on a later row is caught when its bytes change.
SELECT expect_error($$SELECT ces_score(e, NULL, w::jsonb) FROM (VALUES ('login', '{"login":1}'), ('login', '{"login":[1]}')) v(e, w)$$);
-- NULL weights are fine where the event is NULL too.
SELECT ces_score(NULL, NULL, NULL::jsonb) FROM generate_series(1, 3);
-- The session survives errors.
SELECT 1 AS still_alive;
