-- The same few instants, over and over, from every client: an idempotent upsert.
\set d random(0, 3)
SELECT ces_snapshot('health', 'events', 'account', 'event', 'ts', timestamptz '2026-11-20 00:00+00' + :d * interval '1 day');
