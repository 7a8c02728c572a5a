#!/usr/bin/env bash
# Set up, then run every test (unit and integration against real mariadbd lab servers).
# Ends with one line "N passed, N failed" and a non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
npm run --silent lint || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p test-results
rm -f test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
rc=$?
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  try {
    const r = JSON.parse(fs.readFileSync("test-results/vitest.json", "utf8"));
    passed = r.numPassedTests; failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0) + (r.success ? 0 : (r.numFailedTestSuites || 0) && !r.numFailedTests ? 1 : 0);
  } catch { failed = 1; }
  console.log(`${passed} passed, ${failed} failed`);
'
if pgrep -f "mmrecover-lab-" >/dev/null 2>&1; then echo "test: lab servers were left running; killing them" >&2; pkill -9 -f "mmrecover-lab-" || true; fi
exit $rc
