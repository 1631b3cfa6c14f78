-- ces_model: construction, canonical text, validation; ces_score under a model:
-- decay, per-event half-life, window boundaries, caps, as_of, and uncast literals.
SELECT ces_model('{"login":1,"ticket":{"weight":-5,"half_life":"2 days","cap":20}}',
                 half_life => '14 days', lookback => '30 days', as_of => '2026-10-01 00:00+00');
-- Text input takes a full model or bare weights, and prints the canonical form.
SELECT '{"weights":{"upgraded":50,"login":1},"lookback":"720 hours"}'::ces_model;
SELECT '{"upgraded":50,"login":1.0}'::ces_model;
SELECT '{"login":1}'::ces_model = ces_model('{"login":1}') AS equal,
       '{"login":1}'::ces_model <> '{"login":2}'::ces_model AS different;
-- NULL weights give NULL; options may be NULL.
SELECT ces_model(NULL) IS NULL AS null_model, ces_model('{"a":1}', NULL, NULL, NULL) AS no_options;
-- Models round-trip through text and binary.
CREATE TEMP TABLE stored_models (m ces_model);
INSERT INTO stored_models VALUES (ces_model('{"a":{"weight":1,"cap":3}}', '1 day', '7 days', '2026-01-01 12:00+00'));
SELECT m::text::ces_model = m AS text_round_trip FROM stored_models;

-- Errors: 22023 naming the field.
SELECT expect_error($$SELECT ces_model('{"a":1}', half_life => '0 days')$$);
SELECT expect_error($$SELECT ces_model('{"a":1}', half_life => '-1 day')$$);
SELECT expect_error($$SELECT ces_model('{"a":1}', lookback => '0 seconds')$$);
SELECT expect_error($$SELECT ces_model('{"a":1}', as_of => 'infinity')$$);
SELECT expect_error($$SELECT ces_model('{"a":1}', as_of => '-infinity')$$);
SELECT expect_error($$SELECT ces_model('{"a":{"weight":1,"cap":-1}}')$$);
SELECT expect_error($$SELECT ces_model('{"a":{"weight":1,"half_life":"0 days"}}')$$);
SELECT expect_error($$SELECT ces_model('{"a":{"weight":1,"half_life":"soon"}}')$$);
SELECT expect_error($$SELECT ces_model('{"a":{"weight":1,"halflife":"1 day"}}')$$);
SELECT expect_error($$SELECT ces_model('{"a":{"cap":1}}')$$);
SELECT expect_error($$SELECT ces_model('{"a":"x"}')$$);
SELECT expect_error($$SELECT ces_model('[1]')$$);
SELECT expect_error($$SELECT '{"weights":{"a":1},"half_life":"7 days","decay":"fast"}'::ces_model$$);
SELECT expect_error($$SELECT '{"weights":{"a":1},"lookback":"-7 days"}'::ces_model$$);
SELECT expect_error($$SELECT '{"weights":{"a":1},"as_of":"infinity"}'::ces_model$$);
SELECT expect_error($$SELECT '{"a":1e400}'::ces_model$$);
-- Malformed JSON is a model with an error (22023), never a registry lookup (42704).
SELECT expect_error($$SELECT '{"login":1,}'::ces_model$$);
SELECT expect_error($$SELECT '{"login":1'::ces_model$$);
SELECT expect_error($$SELECT '[1,2'::ces_model$$);
SELECT expect_error($$SELECT '"health'::ces_model$$);
SELECT expect_error($$SELECT ''::ces_model$$);

BEGIN;
CREATE TEMP TABLE ev (account int, event text, ts timestamptz);
\set as_of '''2026-10-01 00:00+00'''
-- An event exactly one half-life old counts half; a per-event half-life overrides the model's.
INSERT INTO ev VALUES (1, 'login', :as_of::timestamptz - interval '7 days'),
                      (1, 'ticket', :as_of::timestamptz - interval '1 day');
SELECT ces_score(event, ts, ces_model('{"login":10,"ticket":{"weight":-8,"half_life":"1 day"}}',
                                      half_life => '7 days', as_of => :as_of)) AS score  -- 10/2 - 8/2 = 1
FROM ev;

-- Window boundaries: ts = as_of - lookback is out, ts = as_of is in, the future is out, NULL ts is out.
TRUNCATE ev;
INSERT INTO ev VALUES (1, 'login', :as_of::timestamptz - interval '30 days'),
                      (1, 'login', :as_of::timestamptz - interval '30 days' + interval '1 microsecond'),
                      (1, 'login', :as_of),
                      (1, 'login', :as_of::timestamptz + interval '1 microsecond'),
                      (1, 'login', NULL), (1, NULL, :as_of);
SELECT ces_score(event, ts, ces_model('{"login":1}', lookback => '30 days', as_of => :as_of)) AS in_window,
       ces_score(event, ts, '{"login":1}') AS no_time_rules
FROM ev;
-- An as_of alone (no lookback) still drops future events.
SELECT ces_score(event, ts, ces_model('{"login":1}', as_of => :as_of)) FROM ev;

-- Caps bound the absolute total of an event type, positive and negative.
TRUNCATE ev;
INSERT INTO ev SELECT 1, 'login', :as_of FROM generate_series(1, 10);
INSERT INTO ev SELECT 1, 'ticket', :as_of FROM generate_series(1, 3);
INSERT INTO ev VALUES (1, 'upgraded', :as_of);
SELECT ces_score(event, ts, '{"login":{"weight":1,"cap":4},"ticket":{"weight":-5,"cap":12},"upgraded":50}') AS capped,
       ces_score(event, ts, '{"login":1,"ticket":-5,"upgraded":50}') AS uncapped
FROM ev;

-- With as_of NULL, the model scores at now() (the transaction's start).
TRUNCATE ev;
INSERT INTO ev VALUES (1, 'login', now() - interval '2 days'), (1, 'login', now() + interval '1 hour');
SELECT ces_score(event, ts, ces_model('{"login":8}', half_life => '1 day')) AS decayed_to_now FROM ev;
ROLLBACK;

-- A model without time rules scores exactly like the jsonb form, on generated data.
BEGIN;
SELECT setseed(0.7);
CREATE TEMP TABLE gen AS
SELECT (random() * 500)::int AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket', NULL])[1 + (random() * 5.999)::int] AS event,
       timestamptz '2026-09-01' + random() * interval '60 days' AS ts
FROM generate_series(1, 30000);
\set w '{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3}'
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE a.s = b.s) AS model_equals_jsonb,
       count(*) FILTER (WHERE a.s = c.s) AS uncast_equals_jsonb
FROM (SELECT account, ces_score(event, ts, :'w'::jsonb) s FROM gen GROUP BY 1) a
JOIN (SELECT account, ces_score(event, ts, ces_model(:'w')) s FROM gen GROUP BY 1) b USING (account)
JOIN (SELECT account, ces_score(event, ts, :'w') s FROM gen GROUP BY 1) c USING (account);
-- Decay and lookback against the hand-written formula.
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(a.s - b.s) <= 1e-9 * greatest(abs(a.s), abs(b.s), 1)) AS within_1e9
FROM (SELECT account, ces_score(event, ts, ces_model(:'w', half_life => '10 days', lookback => '30 days',
                                                     as_of => '2026-10-15 00:00+00')) s
      FROM gen GROUP BY 1) a
JOIN (SELECT account,
             coalesce(sum(CASE event WHEN 'login' THEN 1 WHEN 'project_added' THEN 5 WHEN 'team_member_added' THEN 10
                                     WHEN 'upgraded' THEN 50 WHEN 'support_ticket' THEN -3 ELSE 0 END
                          * power(0.5, extract(epoch FROM timestamptz '2026-10-15 00:00+00' - ts) / (10 * 86400))::float8)
                      FILTER (WHERE ts <= '2026-10-15 00:00+00' AND ts > timestamptz '2026-10-15 00:00+00' - interval '30 days'), 0) s
      FROM gen GROUP BY 1) b USING (account);
ROLLBACK;

-- Uncast literals resolve to ces_model (PREFERRED in its category), not an ambiguity error.
SELECT ces_score(e, NULL, '{"login":1}') AS score_uncast,
       ces_score(ces_agg(e, NULL, '{"login":1}')) AS agg_uncast
FROM (VALUES ('login'), ('login'), ('logout')) v(e);
SELECT pg_typeof(x) FROM (SELECT ces_agg(e, NULL, '{"login":1}') x FROM (VALUES ('login')) v(e)) s;
-- A NULL model on a row with an event is an error.
SELECT expect_error($$SELECT ces_score(e, NULL, NULL::ces_model) FROM (VALUES ('login')) v(e)$$);
-- Rows of one group must share a model.
SELECT expect_error($$SELECT ces_score(e, NULL, m::ces_model) FROM (VALUES ('a', '{"a":1}'), ('a', '{"a":2}')) v(e, m)$$);
