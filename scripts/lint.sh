#!/usr/bin/env bash
# npm run lint: types, architecture (cycles, layers, terminal libraries: .dependency-cruiser.cjs), ESLint
# (eslint.config.js), formatting (.prettierrc.json). The checks run side by side, each one's output kept and printed
# in this order when all have ended, so one run shows everything to fix; the exit status is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
out="$(mktemp -d -t mmrecover-lint-XXXXXX)"
trap 'rm -rf "$out"' EXIT
names=(tsc depcruise eslint prettier)
pids=()
start() {
  local i=$1
  shift
  ( "$@" >"$out/$i.log" 2>&1; echo $? >"$out/$i.rc" ) &
  pids+=($!)
}
start 0 "$bin/tsc" --noEmit -p tsconfig.json
start 1 "$bin/depcruise" --config .dependency-cruiser.cjs --output-type err-long src
start 2 "$bin/eslint" src test
start 3 "$bin/prettier" --check 'src/**/*.ts' 'test/**/*.ts' '*.ts'
wait "${pids[@]}"
failed=()
for i in 0 1 2 3; do
  echo "lint: ${names[$i]}" >&2
  cat "$out/$i.log" >&2
  [ "$(cat "$out/$i.rc" 2>/dev/null)" = 0 ] || failed+=("${names[$i]}")
done
if ((${#failed[@]})); then
  echo "lint: failed: ${failed[*]}" >&2
  exit 1
fi
