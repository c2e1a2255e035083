#!/usr/bin/env bash
# Throughput and memory benchmark: the baseline scenario at a given size with 1 and 2
# threads. Prints worker-months per second (recorded months only, burn-in excluded)
# and peak resident memory. Usage: bench/run.sh [WORKERS] [REPLICATES]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-1000000}
reps=${2:-4}
bin=build/sim/laborsim
[[ -x $bin ]] || { echo "build first (see README)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "scenario: baseline, $workers workers, $reps replicates, 120 months"
for t in 1 2; do
  $bin run scenarios/baseline.toml -o "$out/b$t.h5" -r "$reps" -t "$t" --set simulation.workers="$workers" |
    awk -v t="$t" '/^time:/ {tm=$2; wm=$4; sub(/\(/, "", wm)} /^memory:/ {mem=$2}
      END {printf "threads %d: %8.2f s  %10.3g worker-months/s  peak RSS %7.1f MiB\n", t, tm, wm, mem}'
done
