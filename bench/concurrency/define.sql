-- Publish a new version of a model two other scripts snapshot and backfill.
\set w random(1, 9)
SELECT ces_define_model(CASE WHEN :w % 3 = 0 THEN 'side' ELSE 'health' END,
                        ces_model(jsonb_build_object('login', :w, 'upgraded', 50, 'ticket', -5), lookback => '30 days'));
