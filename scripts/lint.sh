#!/usr/bin/env bash
# npm run lint: types, architecture (cycles, layers, terminal libraries: .dependency-cruiser.cjs), ESLint
# (eslint.config.js), formatting (.prettierrc.json). Each check runs even when one before it failed, so one run shows
# everything to fix; the exit status is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
failed=()
check() {
  echo "lint: ${*#"$bin/"}" >&2
  "$@" || failed+=("${1#"$bin/"}")
}
check "$bin/tsc" --noEmit -p tsconfig.json
check "$bin/depcruise" --config .dependency-cruiser.cjs --output-type err-long src
check "$bin/eslint" src test
check "$bin/prettier" --check 'src/**/*.ts' 'test/**/*.ts' '*.ts'
if ((${#failed[@]})); then
  echo "lint: failed: ${failed[*]}" >&2
  exit 1
fi
