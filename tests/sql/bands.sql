-- ces_band(score), ces_band(score, bands), ces_default_bands()
SELECT s, ces_band(s)
FROM unnest(ARRAY[-1e9, -0.001, 0, 40, 40.0001, 70, 70.5, 100, 100.5, 1e9, '-Infinity', 'Infinity']::float8[]) s;
SELECT ces_band(NULL);
SELECT ces_default_bands();

-- The default scheme given explicitly gives the same band for every score.
SELECT count(*) AS scores, count(*) FILTER (WHERE ces_band(s) = ces_band(s, ces_default_bands())) AS same
FROM (SELECT generate_series(-2000, 20000) / 100.0::float8 AS s) x;

-- Custom bands: upto is inclusive, below is exclusive, the last is open.
SELECT s, ces_band(s, '[{"name":"at risk","upto":40},{"name":"steady","below":80},{"name":"growing"}]')
FROM unnest(ARRAY[1, 40, 40.5, 79.9, 80, 100]::float8[]) s;
SELECT ces_band(5, '[{"name":"everyone"}]');
SELECT ces_band(5, NULL), ces_band(NULL, '[{"name":"everyone"}]');

-- Bands that vary per row are parsed again only when they change.
SELECT s, ces_band(s, b::jsonb) FROM (VALUES
  (10::float8, '[{"name":"a","upto":20},{"name":"b"}]'),
  (30, '[{"name":"a","upto":20},{"name":"b"}]'),
  (30, '[{"name":"x","upto":50},{"name":"y"}]')) v(s, b);

-- Errors: 22023 with a message naming the problem.
SELECT expect_error($$SELECT ces_band('NaN')$$);
SELECT expect_error($$SELECT ces_band('NaN', ces_default_bands())$$);
SELECT b AS bands, expect_error(format('SELECT ces_band(1, %L)', b)) AS error
FROM unnest(ARRAY[
      '[]',
      '{"name":"a"}',
      '[{"upto":1},{"name":"b"}]',
      '[{"name":"","upto":1},{"name":"b"}]',
      '[{"name":"a","upto":1},{"name":"a"}]',
      '[{"name":"a","upto":1e400},{"name":"b"}]',
      '[{"name":"a","upto":"ten"},{"name":"b"}]',
      '[{"name":"a","upto":50},{"name":"b","upto":40},{"name":"c"}]',
      '[{"name":"a","upto":50},{"name":"b","below":50},{"name":"c"}]',
      '[{"name":"a","upto":1,"below":2},{"name":"b"}]',
      '[{"name":"a","upto":1},{"name":"b","upto":2}]',
      '[{"name":"a"},{"name":"b"}]',
      '[{"name":"a","upto":1,"color":"red"},{"name":"b"}]']) WITH ORDINALITY AS t(b, n)
ORDER BY n;
