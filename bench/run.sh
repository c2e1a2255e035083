#!/usr/bin/env bash
# The benchmark, one command: throughput (worker-months per second), peak resident
# memory and a per-mechanism time breakdown of the baseline scenario at a given size,
# with 1 and 2 threads; the machine's streaming memory bandwidth measured in the same
# run, and the throughput an engine touching every worker's state every month could
# reach at that bandwidth (docs/performance.md).
#
#   bench/run.sh [WORKERS=1000000] [REPLICATES=4] [MONTHS=120]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-1000000}
reps=${2:-4}
months=${3:-120}
bin=build/sim/laborsim
[[ -x $bin && -x build/bench/laborsim-membw ]] || { echo "build first (see README)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "scenario: baseline, $workers workers, $reps replicates, $months months (full model on)"
for t in 1 2; do
  $bin run scenarios/baseline.toml -o "$out/b$t.h5" -r "$reps" -t "$t" --profile \
    --set simulation.workers="$workers" --set simulation.months="$months" > "$out/log$t"
  awk -v t="$t" '/^time:/ {tm=$2; wm=$4; sub(/\(/, "", wm); wr=$(NF-1)} /^memory:/ {mem=$2}
    END {printf "threads %d: %8.2f s  %10.3g worker-months/s  peak RSS %8.1f MiB  hdf5 writing %s s\n", t, tm, wm, mem, wr}' "$out/log$t"
done
t1=$(awk '/^time:/ {print $2}' "$out/log1"); t2=$(awk '/^time:/ {print $2}' "$out/log2")
awk -v a="$t1" -v b="$t2" 'BEGIN {printf "speed-up 1 -> 2 threads: %.2fx\n", a / b}'
echo "time by mechanism (2 threads, seconds in each step summed over replicates):"
sed -n '/^profile/,/hdf5 writing/p' "$out/log2" | tail -n +2
wm2=$(awk '/^time:/ {wm=$4; sub(/\(/, "", wm); print wm}' "$out/log2")
bw=$(build/bench/laborsim-membw 2)
bytes=$(awk '/^worker columns:/ {print $3}' "$out/log2")
awk -v bw="$bw" -v b="$bytes" -v wm="$wm2" 'BEGIN {
  bound = bw * 1e9 / b
  printf "memory bandwidth (2 threads, triad): %.1f GB/s\n", bw
  printf "bound for reading every worker (%d bytes of columns) once a month: %.3g worker-months/s\n", b, bound
  printf "engine / bound: %.2f (an event-driven engine should exceed 1)\n", wm / bound }'
