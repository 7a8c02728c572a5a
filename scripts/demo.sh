#!/usr/bin/env bash
# Rehearse a recovery end to end on a local lab: set up, start two MariaDB servers replicating master-master,
# break them the way a careless night breaks them, show the plan (dry run), recover b from a, prove the result,
# and tear the lab down whatever happens.
#   bash scripts/demo.sh [conflict|diverged|stopped|wiped] [classic|online]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-conflict}"
method="${2:-classic}"

bash scripts/setup.sh
mm() { node bin/mmrecover "$@"; }

work="$(mktemp -d -t mmrecover-demo-XXXXXX)"
export XDG_STATE_HOME="$work/state"   # the demo's journal and lab pointer stay in the demo's own directory
cleanup() { mm lab down --dir "$work/lab" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the lab: two mariadbd servers, a and b, replicating master-master"
mm lab up --dir "$work/lab"
eval "$(mm lab env --dir "$work/lab")"   # MMRECOVER_PASSWORD / MMRECOVER_REPL_PASSWORD: passwords never go on a command line
good="$(node -e 'const s=require(process.argv[1]);console.log(`127.0.0.1:${s.a.port}`)' "$work/lab/lab.json")"
bad="$(node -e 'const s=require(process.argv[1]);console.log(`127.0.0.1:${s.b.port}`)' "$work/lab/lab.json")"
user="$(node -e 'const s=require(process.argv[1]);console.log(s.adminUser)' "$work/lab/lab.json")"
repl="$(node -e 'const s=require(process.argv[1]);console.log(s.replUser)' "$work/lab/lab.json")"

step "Breaking it: $mode"
mm lab break "$mode" --dir "$work/lab"
mm lab status --dir "$work/lab"

args=(recover --good "$good" --bad "$bad" --user "$user" --repl-user "$repl" --method "$method" --journal "$work/journal.json")

step "Rehearsal: mmrecover --dry-run (changes nothing)"
mm "${args[@]}" --dry-run --yes --confirm-bad "$bad"

step "Recovery: b ($bad) rebuilt from a ($good)"
if [ -t 0 ] && [ -t 1 ] && [ -z "${MMRECOVER_DEMO_YES:-}" ]; then
  echo "Answer each question as an operator would (y to go on). Set MMRECOVER_DEMO_YES=1 to answer yes automatically."
  mm "${args[@]}"
else
  mm "${args[@]}" --yes --confirm-bad "$bad"
fi

step "After recovery"
mm lab status --dir "$work/lab"
echo
echo "Demo finished: the pair was broken ($mode), rebuilt ($method) and proven; the lab is being torn down."
