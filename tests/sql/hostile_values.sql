-- Hostile values (issue 10, sections 1, 3, 4 and 8 for summaries and models): binary input
-- that lies about its sizes, values that could not be restored, overflowing rollups, and
-- re-anchoring or rolling up across a lookback window. Every case is a clean ERROR with
-- its SQLSTATE, or an exact answer; the shell tests check the server log for crashes.
SET timezone = 'UTC';
BEGIN;
-- copy_binary(payload) wraps one ces_summary value in a binary COPY file and loads it
-- through COPY ... FROM PROGRAM (pg_regress runs as superuser), so the bytes reach
-- ces_summary_recv exactly as a client would send them.
CREATE TEMP TABLE target (s ces_summary);
CREATE FUNCTION pg_temp.be32(n bigint) RETURNS bytea LANGUAGE sql AS
$$ SELECT decode(lpad(to_hex(n), 8, '0'), 'hex') $$;
CREATE FUNCTION pg_temp.copy_binary(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
             || '\x0001'::bytea || pg_temp.be32(length(payload)) || payload || '\xffff'::bytea;
  octal text;
BEGIN
  SELECT string_agg('\' || (b >> 6)::text || ((b >> 3) & 7)::text || (b & 7)::text, '' ORDER BY i)
    INTO octal FROM (SELECT i, get_byte(f, i) AS b FROM generate_series(0, length(f) - 1) i) x;
  RETURN expect_error(format('COPY target FROM PROGRAM %L (FORMAT binary)', 'printf ''' || octal || ''''));
END $$;
-- put writes bytes at an offset; le is an integer's little-endian bytes.
CREATE FUNCTION pg_temp.put(b bytea, at int, v bytea) RETURNS bytea LANGUAGE sql AS
$$ SELECT overlay(b PLACING v FROM at + 1 FOR length(v)) $$;
CREATE FUNCTION pg_temp.le(n bigint, bytes int) RETURNS bytea LANGUAGE sql AS
$$ SELECT string_agg(substr(int8send(n), 9 - k, 1), ''::bytea ORDER BY k) FROM generate_series(1, bytes) k $$;
CREATE TEMP TABLE real AS
SELECT ces_agg(e, ts, ces_model('{"login":1,"ticket":-5,"up":50}', half_life => '7 days', lookback => '30 days',
                                as_of => '2026-10-01 00:00+00')) AS s
FROM (VALUES ('login', timestamptz '2026-09-30 00:00+00'), ('login', '2026-09-29 00:00+00'), ('other', '2026-09-28 00:00+00')) v(e, ts);
-- Offsets in the binary form: 4-byte head, 4-byte model length, the model, then five i64
-- (as_of, events, unweighted, last_seen, first_seen), u32 nslots, u32 stored, the slots.
CREATE TEMP TABLE wire AS
SELECT ces_summary_send(s) AS b,
       8 + (get_byte(ces_summary_send(s), 4) + 256 * get_byte(ces_summary_send(s), 5)) AS counters
FROM real;
SELECT pg_temp.copy_binary(b) AS unchanged_value_loads FROM wire;
SELECT s::text = (SELECT s::text FROM real) AS binary_round_trip FROM target;

-- Section 1: a header claiming 2^32-1 slots (the crash), or more slots than the limit.
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 40, '\xffffffff')) AS nslots_max FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 40, '\xffffffffffffffff')) AS nslots_and_stored_max FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 40, pg_temp.le(10001, 4))) AS nslots_over_limit FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, 4, '\xffffffff')) AS model_length_max FROM wire;
SELECT pg_temp.copy_binary(substr(b, 1, length(b) - 3)) AS truncated FROM wire;
SELECT pg_temp.copy_binary('\x04'::bytea) AS one_byte, pg_temp.copy_binary(''::bytea) AS no_bytes;

-- Section 3: binary values that could not be restored.
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 60, '\x000000000000f87f')) AS decayed_nan FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 60, '\x000000000000f07f')) AS decayed_infinity FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 52, pg_temp.le(-2, 8))) AS negative_count FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, 1, '\x02')) AS timed_flag_2,
       pg_temp.copy_binary(pg_temp.put(b, 2, '\x01')) AS reserved_flag FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 8, pg_temp.le(4, 8))) AS events_mismatch FROM wire;
SELECT pg_temp.copy_binary(pg_temp.put(b, counters + 32, pg_temp.le(0, 8))) AS first_seen_before_window FROM wire;
SELECT count(*) AS rows_loaded FROM target;

-- Text input: non-finite numbers, negative counts, sums that do not fit their counts.
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"events":1,"counts":{"a":[1,1e400]}}'::ces_summary$$) AS decayed_1e400;
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"events":-1,"counts":{"a":[-1,-1]}}'::ces_summary$$) AS negative;
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"events":1,"counts":{"a":[1,0.5]}}'::ces_summary$$) AS no_decay_mismatch;
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1},"half_life":"1 day"},"as_of":"2026-10-01 00:00+00","events":1,"counts":{"a":[1,2]}}'::ces_summary$$) AS above_count;
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"events":5,"counts":{"a":[1,1]}}'::ces_summary$$) AS events_mismatch;
SELECT expect_error($$SELECT '{"model":{"weights":{"a":1}},"as_of":"infinity","events":0}'::ces_summary$$) AS infinite_as_of;
-- ... but long decay may underflow to 0 with a positive count, and old text (0.1.0, no
-- first_seen) still reads.
SELECT '{"model":{"weights":{"a":1},"half_life":"1 second"},"as_of":"2026-10-01 00:00+00","events":1,"last_seen":"2026-09-01 00:00+00","counts":{"a":[1,0]}}'::ces_summary::text AS underflowed;
SELECT ces_score('{"model":{"weights":{"a":2}},"events":3,"unweighted":1,"counts":{"a":[2,2]}}'::ces_summary) AS old_text;

-- Counts added by a rollup are checked: 2^62 rolled up twice or three times overflows.
CREATE TEMP TABLE huge AS
SELECT '{"model":{"weights":{"a":1}},"events":4611686018427387904,"counts":{"a":[4611686018427387904,4611686018427387904]}}'::ces_summary AS s
FROM generate_series(1, 3);
SELECT ces_event_count(s) AS one_is_fine FROM huge LIMIT 1;
SELECT expect_error($$SELECT ces_rollup(s) FROM (SELECT s FROM huge LIMIT 2) x$$) AS twice;
SELECT expect_error($$SELECT ces_rollup(s) FROM huge$$) AS three_times;

-- Models: weights and caps within ±1e15 (so no float sum can overflow, serial or parallel),
-- at most 10000 event types, at most 1 MB of text (54000, before parsing).
SELECT expect_error($$SELECT '{"a":1e16}'::ces_model$$) AS weight_1e16;
SELECT expect_error($$SELECT ces_model('{"a":{"weight":1,"cap":1e300}}')$$) AS cap_1e300;
SELECT expect_error($$SELECT ces_score('a', NULL::timestamptz, '{"a":-2e15}'::jsonb)$$) AS jsonb_weight;
SELECT ces_score(e, NULL::timestamptz, '{"a":1e15}'::jsonb) AS largest_weight FROM (VALUES ('a'), ('a')) v(e);
SELECT expect_error(format($$SELECT ces_model(%L::jsonb)$$,
         (SELECT jsonb_object_agg('e' || i, 1) FROM generate_series(1, 10001) i)::text)) AS too_many_event_types;
SELECT ces_model((SELECT jsonb_object_agg('e' || i, 1) FROM generate_series(1, 10000) i))::text <> '' AS max_event_types;
SELECT left(expect_error(format($$SELECT %L::ces_model$$, '{"a":1,"pad":"' || repeat('x', 1100000) || '"}')), 60) AS model_over_1mb;

-- Section 4: the issue's example. 60 daily events, a 30-day lookback: 10 days later the raw
-- query gives 20, and re-anchoring the summary raises instead of returning 30.
CREATE TEMP TABLE daily_ev AS
SELECT 'login' AS event, timestamptz '2026-08-01 12:00+00' + d * interval '1 day' AS ts,
       date_trunc('day', timestamptz '2026-08-01 12:00+00' + d * interval '1 day', 'UTC') AS day
FROM generate_series(0, 59) d;
\set D '''2026-09-30 00:00+00'''
\set D10 '''2026-10-10 00:00+00'''
SELECT ces_score(event, ts, ces_model('{"login":1}', lookback => '30 days', as_of => :D10)) AS model_10_days_later,
       count(*) FILTER (WHERE ts > :D10::timestamptz - interval '30 days' AND ts <= :D10) AS plain_sql
FROM daily_ev;
CREATE TEMP TABLE one AS SELECT ces_agg(event, ts, ces_model('{"login":1}', lookback => '30 days', as_of => :D)) AS s FROM daily_ev;
SELECT ces_score(s) AS at_d, ces_score_at(s, :D) AS same_instant, ces_score_at(s, :D::timestamptz + interval '31 days') AS all_gone FROM one;
SELECT expect_error($$SELECT ces_score_at(s, '2026-10-10 00:00+00') FROM one$$) AS reanchor_drops_events;
-- The daily recipe: one summary per day with the lookback, rolled up over the days that
-- start inside the window (day >= as_of - lookback), is exact.
CREATE TEMP TABLE days AS
SELECT day, ces_agg(event, ts, ces_model('{"login":1}', lookback => '30 days', as_of => day + interval '1 day')) AS s
FROM daily_ev GROUP BY day;
SELECT ces_score(ces_rollup(s)) AS recipe, ces_event_count(ces_rollup(s)) AS events
FROM days WHERE day >= :D10::timestamptz - interval '30 days' AND day < :D10;
SELECT ces_score_at(ces_rollup(s), :D10) AS recipe_reanchored
FROM days WHERE day >= :D10::timestamptz - interval '30 days' AND day < :D10;
-- A day later the first of those days leaves the window: an error, not 20.
SELECT expect_error($$SELECT ces_score_at(ces_rollup(s), '2026-10-11 00:00+00') FROM days
                      WHERE day >= '2026-09-10 00:00+00' AND day < '2026-10-10 00:00+00'$$) AS a_day_later;
-- Unfiltered, the days wholly before the window at the latest as_of are dropped, in any
-- order: the raw query's 30 at 2026-09-30, never all 60.
SELECT ces_score(ces_rollup(s ORDER BY day)) AS unfiltered_ascending, ces_score(ces_rollup(s ORDER BY day DESC)) AS descending,
       ces_event_count(ces_rollup(s ORDER BY day)) AS events FROM days;
-- A summary straddling the window's start cannot be cut: 22023.
SELECT expect_error($$SELECT ces_rollup(s) FROM (SELECT s FROM one UNION ALL
                      SELECT ces_agg('login', '2026-10-09 12:00+00', ces_model('{"login":1}', lookback => '30 days', as_of => '2026-10-10 00:00+00'))) x$$) AS straddles;
-- Only days wholly before the window, and a later empty summary: nothing is left.
SELECT ces_score(ces_rollup(s)) AS nothing_left, ces_event_count(ces_rollup(s)) AS no_events FROM (
  SELECT s FROM days WHERE day < '2026-08-05'
  UNION ALL SELECT ces_agg(e, ts, ces_model('{"login":1}', lookback => '30 days', as_of => '2026-12-01 00:00+00'))
  FROM (VALUES ('login', timestamptz '2026-12-02 00:00+00')) v(e, ts)) x;
-- Forced parallel gives the same value or the same error.
CREATE TABLE par_days AS SELECT d.* FROM days d, generate_series(1, 200) g;
ANALYZE par_days;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT ces_rollup(s) FROM par_days$q$, 'Partial') AS parallel_plan;
SELECT ces_score(ces_rollup(s)) / 200 AS parallel_recipe, ces_event_count(ces_rollup(s)) / 200 AS events FROM par_days
WHERE day >= :D10::timestamptz - interval '30 days' AND day < :D10;
SELECT ces_score(ces_rollup(s)) / 200 AS parallel_unfiltered FROM par_days;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Generated data against the plain-SQL reference: summaries per day, per week and over
-- arbitrary 5.5-day ranges, each anchored at its range's end. Rolled up over the ranges
-- that start inside the window at the latest anchor (the recipe), every account's score
-- equals the hand-written decayed sum over those ranges' events. Unfiltered, a rollup equals
-- the decayed sum over the whole window, or raises 22023 when a range straddles its start
-- (never for days, whose boundaries fall on the window's start). Serial and forced-parallel
-- plans agree.
CREATE TABLE gen AS
SELECT i % 5 AS account, (ARRAY['login', 'ticket', 'up', 'other'])[1 + (i * 7) % 4] AS event,
       timestamptz '2026-08-01 00:00+00' + ((i * 7919) % (60 * 86400)) * interval '1 second' + interval '0.5 second' AS ts
FROM generate_series(1, 3000) i;
CREATE TABLE ranges AS
SELECT g, account, lo, lo + len AS hi,
       ces_agg(event, ts, ces_model('{"login":1,"ticket":-2,"up":5}', half_life => '7 days', lookback => '30 days',
                                    as_of => lo + len)) AS s
FROM (SELECT g, len, account, event, ts,
             CASE g WHEN 'week' THEN date_trunc('week', ts, 'UTC')
                    ELSE timestamptz '2026-08-01 00:00+00' + floor(extract(epoch FROM ts - timestamptz '2026-08-01 00:00+00')
                                                                 / extract(epoch FROM len)) * len END AS lo
      FROM gen, (VALUES ('day', interval '1 day'), ('week', interval '7 days'), ('arbitrary', interval '5 days 12 hours')) v(g, len)) x
GROUP BY g, account, lo, len;
ANALYZE gen, ranges;
CREATE TABLE latest AS SELECT g, max(hi) AS a FROM ranges GROUP BY g;
ANALYZE latest;
-- The unfiltered rollup's score, or NULL when it raises 22023.
CREATE FUNCTION pg_temp.try_score(g text, account int) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT ces_score(ces_rollup(s)) FROM ranges WHERE ranges.g = try_score.g AND ranges.account = try_score.account);
EXCEPTION WHEN invalid_parameter_value THEN RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.check_ranges() RETURNS TABLE (g text, accounts bigint, exact bigint, unfiltered_exact bigint, unfiltered_raise bigint)
LANGUAGE sql AS $$
  WITH plain AS (
    SELECT l.g, account, ts >= (SELECT min(lo) FROM ranges WHERE ranges.g = l.g AND lo >= l.a - interval '30 days') AS in_recipe,
           CASE event WHEN 'login' THEN 1 WHEN 'ticket' THEN -2 WHEN 'up' THEN 5 ELSE 0 END
           * power(0.5, extract(epoch FROM l.a - ts) / extract(epoch FROM interval '7 days')) AS points
    FROM gen, latest l WHERE ts > l.a - interval '30 days' AND ts <= l.a)
  SELECT r.g, count(*),
         count(*) FILTER (WHERE abs(r.score - p.recipe) <= 1e-9 * greatest(abs(p.recipe), 1)),
         count(*) FILTER (WHERE u.score IS NOT NULL AND abs(u.score - p.whole) <= 1e-9 * greatest(abs(p.whole), 1)),
         count(*) FILTER (WHERE u.score IS NULL AND expect_error(format('SELECT ces_rollup(s) FROM ranges WHERE g = %L AND account = %s', r.g, r.account)) LIKE '22023: rolling up at%')
  FROM (SELECT ranges.g, account, ces_score(ces_rollup(s)) AS score FROM ranges JOIN latest USING (g)
        WHERE lo >= a - interval '30 days' GROUP BY ranges.g, account) r
  JOIN (SELECT g, account, sum(points) FILTER (WHERE in_recipe) AS recipe, sum(points) AS whole FROM plain GROUP BY g, account) p USING (g, account)
  LEFT JOIN (SELECT g, account, pg_temp.try_score(g, account) AS score FROM (SELECT DISTINCT g, account FROM ranges) d) u USING (g, account)
  GROUP BY r.g ORDER BY r.g $$;
SELECT * FROM pg_temp.check_ranges();
CREATE TEMP TABLE serial_recipe AS
SELECT ranges.g, account, ces_rollup(s)::text AS r FROM ranges JOIN latest USING (g)
WHERE lo >= a - interval '30 days' GROUP BY ranges.g, account;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
\set recipe 'SELECT ranges.g, account, ces_rollup(s)::text AS r FROM ranges JOIN latest USING (g) WHERE lo >= a - interval ''30 days'' GROUP BY ranges.g, account'
SELECT plan_has(:'recipe', 'Partial') AS parallel_plan;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE abs(ces_score(p.r::ces_summary) - ces_score(s.r::ces_summary)) <= 1e-9 * greatest(abs(ces_score(s.r::ces_summary)), 1)
                          AND ces_event_count(p.r::ces_summary) = ces_event_count(s.r::ces_summary)) AS same_summary
FROM (SELECT ranges.g, account, ces_rollup(s)::text AS r FROM ranges JOIN latest USING (g)
      WHERE lo >= a - interval '30 days' GROUP BY ranges.g, account) p JOIN serial_recipe s USING (g, account);
SELECT * FROM pg_temp.check_ranges();
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- More than 256 disjoint ranges in one group (hourly summaries): the closest are merged;
-- filtered to the window the rollup stays exact.
CREATE TEMP TABLE hourly AS
SELECT date_trunc('hour', ts) AS hour,
       ces_agg(event, ts, ces_model('{"login":1,"ticket":-2,"up":5}', half_life => '7 days', lookback => '30 days',
                                    as_of => date_trunc('hour', ts) + interval '1 hour')) AS s
FROM gen WHERE account = 0 GROUP BY 1;
CREATE TEMP TABLE hourly_end AS SELECT max(hour) + interval '1 hour' AS a FROM hourly;
SELECT (SELECT count(*) > 256 FROM hourly, hourly_end WHERE hour >= a - interval '30 days') AS many_ranges,
       abs((SELECT ces_score(ces_rollup(s)) FROM hourly, hourly_end WHERE hour >= a - interval '30 days')
           - (SELECT sum(CASE event WHEN 'login' THEN 1 WHEN 'ticket' THEN -2 WHEN 'up' THEN 5 ELSE 0 END
                         * power(0.5, extract(epoch FROM a - ts) / extract(epoch FROM interval '7 days')))
              FROM gen, hourly_end WHERE account = 0 AND ts > a - interval '30 days' AND ts <= a)) <= 1e-9 AS exact;
-- Capped and lookback models keep per-type state in ces_score and ces_agg too: parallel
-- partial states with disjoint ranges combine to the serial answer.
CREATE TEMP TABLE serial_gen AS
SELECT account, ces_score(event, ts, m) AS score, ces_score(ces_agg(event, ts, m)) AS agg
FROM gen, (SELECT ces_model('{"login":{"weight":1,"cap":50},"ticket":-2,"up":5}', half_life => '7 days', lookback => '30 days',
                            as_of => '2026-09-15 00:00+00') AS m) x GROUP BY account;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
SELECT plan_has($q$SELECT account, ces_agg(event, ts, '{"a":1}') FROM gen GROUP BY account$q$, 'Partial') AS parallel_plan;
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(p.score - s.score) <= 1e-9 * greatest(abs(s.score), 1) AND abs(p.agg - s.agg) <= 1e-9 * greatest(abs(s.agg), 1)) AS same
FROM (SELECT account, ces_score(event, ts, ces_model('{"login":{"weight":1,"cap":50},"ticket":-2,"up":5}', half_life => '7 days', lookback => '30 days',
                                                     as_of => '2026-09-15 00:00+00')) AS score,
             ces_score(ces_agg(event, ts, ces_model('{"login":{"weight":1,"cap":50},"ticket":-2,"up":5}', half_life => '7 days', lookback => '30 days',
                                                    as_of => '2026-09-15 00:00+00'))) AS agg
      FROM gen GROUP BY account) p JOIN serial_gen s USING (account);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Section 8 at SQL level: mutated and random binary values never crash; what loads
-- prints to text that reads back equal, and sends the same bytes again.
CREATE FUNCTION pg_temp.fuzz(n int) RETURNS TABLE (outcome text, cases bigint) LANGUAGE plpgsql AS $$
DECLARE
  base bytea := (SELECT b FROM wire);
  v bytea; r text; results text[] := '{}';
BEGIN
  PERFORM setseed(0.42);
  FOR i IN 1..n LOOP
    v := base;
    IF i % 4 = 0 THEN
      v := substr(v, 1, (random() * length(v))::int);
    ELSIF i % 4 = 1 THEN
      SELECT string_agg(decode(lpad(to_hex((random() * 255)::int), 2, '0'), 'hex'), '')
        INTO v FROM generate_series(1, 1 + (random() * 60)::int);
      v := '\x04000000'::bytea || coalesce(v, '');
    ELSE
      FOR k IN 1..1 + (random() * 3)::int LOOP
        v := set_byte(v, (random() * (length(v) - 1))::int, (random() * 255)::int);
      END LOOP;
    END IF;
    TRUNCATE target;
    r := pg_temp.copy_binary(v);
    IF r = 'no error' THEN
      r := CASE WHEN (SELECT bool_and(s::text::ces_summary::text = s::text
                                      AND ces_summary_send(s::text::ces_summary) = ces_summary_send(s)) FROM target)
                THEN 'loaded, round-trips' ELSE 'loaded, DOES NOT ROUND-TRIP' END;
    ELSE
      r := left(r, 5);
    END IF;
    results := results || r;
  END LOOP;
  RETURN QUERY SELECT CASE WHEN x ~ '^22P03|^54000|^22023' THEN 'refused (22P03, 54000 or 22023)' ELSE x END, count(*)
    FROM unnest(results) x GROUP BY 1 ORDER BY 1;
END $$;
SELECT outcome, cases > 0 AS seen FROM pg_temp.fuzz(300);
ROLLBACK;
-- Found by attacking the merged build:
-- a lookback of '1 year' is 365.25 days, as EXTRACT(epoch) and the equivalent WHERE count it
-- (it was 360 days, so an event 363 days old was silently dropped).
SELECT ces_model('{"a":1}'::jsonb, lookback => '1 year')::text AS one_year;
SELECT ces_score(e, ts, ces_model('{"a":1}'::jsonb, lookback => '1 year', as_of => '2026-01-01 00:00+00')) AS ces,
       count(*) FILTER (WHERE ts > timestamptz '2026-01-01 00:00+00' - interval '1 year') AS raw
FROM (VALUES ('a', timestamptz '2025-01-03 00:00+00')) v(e, ts);
-- jsonb nested deeper than the JSON parser's limit: 22023, not an internal error.
SELECT expect_error($$SELECT ces_model(('{"a":' || repeat('{"b":', 200) || '1' || repeat('}', 200) || '}')::jsonb)$$);
-- An event name with a NUL character can never match an event and cannot pass through jsonb.
SELECT expect_error($$SELECT '{"weights":{"\u0000":1}}'::ces_model$$);
SELECT expect_error($$SELECT ces_score('a', now(), '{"a\u0000b":1}'::text::ces_model)$$);
