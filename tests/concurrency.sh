#!/usr/bin/env bash
# Concurrent define, snapshot, backfill and reads on the same keys: 0 errors (bench/concurrency.sh,
# shortened to 15 s for the test run).
set -euo pipefail
DURATION="${CES_CONCURRENCY_SECONDS:-15}" bash "$(dirname "$0")/../bench/concurrency.sh"
