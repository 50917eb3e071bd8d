#!/usr/bin/env bash
# Runs every benchmark; each compares with its baseline in the same run and writes its section of
# bench/RESULTS.md. Run on an otherwise idle machine: figures are wall times on 2 cores.
#   bash bench/run.sh [index|ftrace|attach|accuracy]...
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$PWD/.cache/node/bin:$PATH"
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(index ftrace attach accuracy)
for b in "${which[@]}"; do
  echo "== $b" >&2
  case "$b" in
    index) node bench/index/run.mjs ;;
    ftrace) node bench/ftrace/run.mjs --mb 512 --runs 3 --append ;;
    attach) node bench/attach/attach-latency.mjs --rounds 5 ;;
    accuracy) node --expose-gc --max-old-space-size=8192 bench/accuracy/run.mjs ;;
    *) echo "unknown benchmark $b" >&2; exit 2 ;;
  esac
done
