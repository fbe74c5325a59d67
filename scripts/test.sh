#!/usr/bin/env bash
# Runs every test against the real stack: unit tests, integration tests (real dockerd, pty, database) and the
# Playwright acceptance tests (real browser). Sets everything up first, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export NEXT_TELEMETRY_DISABLED=1 NODE_ENV=production
logs=.data/test-logs
mkdir -p "$logs"

# The linters first: a lesson lessons:lint rejects fails the run (its closing "ℹ pass/fail" lines count lessons),
# and so does a finding of lint (ESLint and Prettier, whose output counts nothing below).
status=0
for suite in lessons:lint lint test:unit test:integration test:security lessons:test test:e2e; do
  printf '\n\033[1m[test] %s\033[0m\n' "$suite"
  log=${suite#test:}
  npm run -s "$suite" 2>&1 | tee "$logs/${log//:/-}.log" || status=1
done

# One closing line over all suites (node's runner prints "ℹ pass N"/"ℹ fail N"; Playwright "N passed"/"N failed").
# (grep finding nothing is a count of 0, not an error: awk prints the sum either way.)
count() { grep -hoE "$1" "$logs"/*.log | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }' || true; }
passed=$(( $(count '^ℹ pass [0-9]+') + $(count '^ +[0-9]+ passed') ))
failed=$(( $(count '^ℹ fail [0-9]+') + $(count '^ +[0-9]+ (failed|flaky)') ))
[ "$passed" -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
# Name the failures last, where a truncated CI log still shows them (node's "✖ name", Playwright's "✘ N [project] › file").
if [ "$failed" -gt 0 ]; then
  echo "failed tests:"
  grep -hE '^ *(✖|✘) ' "$logs"/*.log | grep -v '✖ failing tests:' | sed -E 's/^ +//' | sort -u | head -40 || true
fi
echo "$passed passed, $failed failed"
exit $status
