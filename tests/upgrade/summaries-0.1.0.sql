-- Writes tests/upgrade/summaries-0.1.0.tsv: ces_summary values as 0.1.0 (commit 5ffd84b) stored
-- them (binary format 3: its ces_summary_send returned the stored bytes unchanged), with what
-- 0.1.0 read from them. Run once against a 0.1.0 build (see tests/upgrade.sh); the .tsv is
-- committed, so the test needs no 0.1.0 build.
--   psql -qX -v ON_ERROR_STOP=1 -f tests/upgrade/summaries-0.1.0.sql > tests/upgrade/summaries-0.1.0.tsv
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TEMP TABLE ev AS
SELECT 'a' || (i % 5) AS account, (ARRAY['login', 'ticket', 'upgraded', 'export', 'other'])[1 + i % 5] AS event,
       timestamptz '2026-09-01 00:00+00' + i * interval '97 minutes' AS ts
FROM generate_series(1, 400) i;
CREATE TEMP TABLE saved (id int, s ces_summary);
-- decay, lookback, as_of, caps, per-event half-life
INSERT INTO saved
SELECT 1, ces_agg(event, ts, ces_model('{"login":1,"ticket":{"weight":-5,"cap":20},"upgraded":{"weight":50,"half_life":"30 days"},"export":2.5}',
                                      half_life => '14 days', lookback => '60 days', as_of => '2026-10-01 00:00+00'))
FROM ev;
-- weights only (no time)
INSERT INTO saved SELECT 2, ces_agg(event, ts, '{"login":1,"ticket":-5,"export":0.25}'::jsonb) FROM ev;
-- one summary per account, then a rollup of them
INSERT INTO saved
SELECT 10 + row_number() OVER (ORDER BY account),
       ces_agg(event, ts, ces_model('{"login":1,"ticket":-5,"upgraded":50}', half_life => '7 days', as_of => '2026-10-01 00:00+00'))
FROM ev GROUP BY account;
INSERT INTO saved SELECT 3, ces_rollup(s) FROM saved WHERE id > 10;
-- 300 weighted event types, few seen
INSERT INTO saved
SELECT 4, ces_agg('e' || (i % 300), timestamptz '2026-09-30 00:00+00' - i * interval '1 hour',
                  ces_model((SELECT jsonb_object_agg('e' || k, k % 7 - 3) FROM generate_series(0, 299) k),
                            half_life => '3 days', as_of => '2026-10-01 00:00+00'))
FROM generate_series(1, 40) i;
-- a single event, fractional weight
INSERT INTO saved SELECT 5, ces_agg('login', '2026-09-30 12:00+00', ces_model('{"login":0.1}', half_life => '1 day', as_of => '2026-10-01 00:00+00'));
COPY (
    SELECT id, encode(ces_summary_send(s), 'hex'), ces_score(s),
           CASE WHEN s::text::jsonb ? 'as_of' THEN ces_score_at(s, '2026-12-01 00:00+00') END,
           ces_event_count(s), ces_depth(s), ces_last_seen(s), s::text,
           (SELECT jsonb_agg(b ORDER BY b.event) FROM ces_breakdown(s) b)
    FROM saved ORDER BY id
) TO STDOUT;
