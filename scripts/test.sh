#!/usr/bin/env bash
# Runs every test: the pure-Rust core (cargo test), then the SQL regression suite
# (pg_regress against a throwaway cluster), the shell tests and the quick bench on
# PostgreSQL 15, then the suite, dump/restore and upgrade tests on PostgreSQL 16 and 18
# (scripts/pg_wheel.sh). Idempotent; installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
bash scripts/setup.sh

echo "== core unit tests (cargo test)"
cargo test -q -p ces-core -p ces-upgrade

bash scripts/build.sh

echo "== SQL regression tests (pg_regress)"
bash scripts/readme_sql.sh
source scripts/cluster.sh
DIR="$ROOT/target/pg-test"
PORT="${CES_TEST_PORT:-54329}"
rm -rf "$DIR"
trap 'cluster_stop "$DIR"' EXIT
cluster_start "$DIR" "$PORT"
PG_REGRESS="$(pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress"
status=0
regress_run "$PG_REGRESS" "$PORT" "$ROOT/target/regress" --schedule="$ROOT/tests/schedule" || status=$?
read -r passed failed < <(regress_counts "$ROOT/target/regress/summary.log")

# plpgsql_check is packaged for PostgreSQL 15 here, so the lint runs on this leg only.
echo "== SQL lint: plpgsql_check over every plpgsql function (tests/sql/lint.sql)"
regress_run "$PG_REGRESS" "$PORT" "$ROOT/target/regress-lint" lint || status=1
read -r p f < <(regress_counts "$ROOT/target/regress-lint/summary.log")
passed=$((passed + p)); failed=$((failed + f))

echo "== shell tests"
for t in tests/*.sh; do
    if bash "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
done
echo "== quick benchmark (correctness only, no timing asserted)"
if bash bench/run.sh quick; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
if bash bench/named.sh quick; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

for major in 16 18; do
    echo "== PostgreSQL $major: the same pg_regress suite, dump/restore and upgrade tests (scripts/pg_wheel.sh $major)"
    bash scripts/pg_wheel.sh "$major" || status=1
    read -r p f <"$ROOT/target/pg$major/counts"
    passed=$((passed + p)); failed=$((failed + f))
done

echo "== server logs: no backend crashed during the run"
crashes="$(cluster_crashes "$ROOT/target")"
if [[ -n "$crashes" ]]; then
    echo "$crashes" | head -20
    failed=$((failed + 1)); status=1
else
    passed=$((passed + 1))
fi

echo "sql: $passed passed, $failed failed"
exit "$status"
