-- A few dates overlapping the snapshots.
\set d random(0, 2)
SELECT ces_backfill('health', 'events', 'account', 'event', 'ts',
                    timestamptz '2026-11-18 00:00+00' + :d * interval '1 day', timestamptz '2026-11-22 00:00+00');
