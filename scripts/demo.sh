#!/usr/bin/env bash
# Rehearse a recovery end to end on a local lab: set up, start two MariaDB servers replicating master-master,
# break them the way a careless night breaks them, show the plan (dry run), recover b from a, prove the result,
# and tear the lab down whatever happens.
# With a third word `ring`: four servers in a ring a → b → c → d → a; the link a → b breaks, b is rebuilt from its
# upstream a, and c (which got nothing from b meanwhile) is caught up from a, then pointed at b again; d is not changed.
# With `haproxy`: the pair behind Debian's HAProxy; step 1 puts b's entry into maint (--fence), step 11 gives it back.
# With `donor`: the pair plus r, a replica of a (lab up --replica); the copy reads r (--donor), so a is neither locked
# nor read by it.
#   bash scripts/demo.sh [conflict|diverged|stopped|wiped] [classic|online] [pair|ring|haproxy|donor]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-conflict}"
method="${2:-classic}"
shape="${3:-pair}"
haproxy=()
case "$shape" in pair) masters=2 ;; ring) masters=4 ;; haproxy) masters=2; haproxy=(--haproxy) ;; donor) masters=2; haproxy=(--replica) ;; *) echo "demo: the third word is pair, ring, haproxy or donor, not \"$shape\"" >&2; exit 2 ;; esac

bash scripts/setup.sh
mm() { node bin/mmrecover "$@"; }

work="$(mktemp -d -t mmrecover-demo-XXXXXX)"
export XDG_STATE_HOME="$work/state"   # the demo's journal and lab pointer stay in the demo's own directory
cleanup() { mm lab down --dir "$work/lab" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$shape" = ring ]; then step "Starting the lab: four mariadbd servers in a ring a → b → c → d → a"; else step "Starting the lab: two mariadbd servers, a and b, replicating master-master"; fi
mm lab up --dir "$work/lab" --masters "$masters" "${haproxy[@]}"
eval "$(mm lab env --dir "$work/lab")"   # MMRECOVER_PASSWORD / MMRECOVER_REPL_PASSWORD: passwords never go on a command line
good="$(node -e 'const s=require(process.argv[1]);console.log(`127.0.0.1:${s.a.port}`)' "$work/lab/lab.json")"
bad="$(node -e 'const s=require(process.argv[1]);console.log(`127.0.0.1:${s.b.port}`)' "$work/lab/lab.json")"
user="$(node -e 'const s=require(process.argv[1]);console.log(s.adminUser)' "$work/lab/lab.json")"
repl="$(node -e 'const s=require(process.argv[1]);console.log(s.replUser)' "$work/lab/lab.json")"

step "Breaking it: $mode"
mm lab break "$mode" --dir "$work/lab"
mm lab status --dir "$work/lab"

if [ "$shape" = ring ]; then
  ring="$(node -e 'const s=require(process.argv[1]);console.log([s.a,s.b,s.c,s.d].map((x)=>`127.0.0.1:${x.port}`).join(","))' "$work/lab/lab.json")"
  args=(recover --ring "$ring" --bad "$bad" --user "$user" --repl-user "$repl" --method "$method" --journal "$work/journal.json")
else
  args=(recover --good "$good" --bad "$bad" --user "$user" --repl-user "$repl" --method "$method" --journal "$work/journal.json")
  if [ "$shape" = haproxy ]; then
    fence="$(node -e 'const s=require(process.argv[1]);const h=s.haproxy;console.log(`haproxy:${h.socket}:${h.backend}/${h.servers.b}`)' "$work/lab/lab.json")"
    args+=(--fence "$fence")
  fi
  if [ "$shape" = donor ]; then
    donor="$(node -e 'const s=require(process.argv[1]);console.log(`127.0.0.1:${s.r.port}`)' "$work/lab/lab.json")"
    args+=(--donor "$donor")
  fi
fi

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
case "$shape" in ring) what="ring of four" ;; haproxy) what="pair behind HAProxy" ;; donor) what="pair (copied from r, a replica of a)" ;; *) what="pair" ;; esac
echo "Demo finished: the $what was broken ($mode), rebuilt ($method) and proven; the lab is being torn down."
