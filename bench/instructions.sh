#!/usr/bin/env bash
# Instructions the engine executes per recorded worker-month and per move, by mechanism:
# a count that does not move with the machine's load (valgrind's callgrind), for judging
# a change to the engine where wall times on a shared machine move by +-15-25%.
#
# Two runs of one replicate on one thread that differ only in their recorded months (A
# and B); the difference of their counts is what B - A months cost, without the initial
# state, the burn-in and the start-up that both runs share. A function's count is
# inclusive (all it calls), so the mechanisms add up to about the month's total.
#
#   bench/instructions.sh [WORKERS=100000] [MONTHS_A=24] [MONTHS_B=72] [SCENARIO=scenarios/baseline.toml]
#
# Needs valgrind (apt-get install valgrind); the defaults take about ten seconds, us_full's
# shape at 1M workers (1000000 12 36 scenarios/us_full.toml) about half a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-100000}
months_a=${2:-24}
months_b=${3:-72}
scenario=${4:-scenarios/baseline.toml}
bin=${LABORSIM_BIN:-build/sim/laborsim}
[[ -x $bin ]] || { echo "bench/instructions.sh: $bin not found: build first (see README)" >&2; exit 1; }
if ! command -v valgrind > /dev/null || ! command -v callgrind_annotate > /dev/null; then
  echo "bench/instructions.sh: needs valgrind (apt-get install valgrind)" >&2
  exit 1
fi
(( months_b > months_a )) || { echo "bench/instructions.sh: MONTHS_B ($months_b) must exceed MONTHS_A ($months_a)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

count() {  # count MONTHS: runs under callgrind, leaves $out/MONTHS.{log,cg,fn}
  local m=$1
  valgrind --tool=callgrind --callgrind-out-file="$out/$m.cg" \
    "$bin" run "$scenario" -o "$out/$m.h5" -r 1 -t 1 --profile \
    --set simulation.workers="$workers" --set simulation.months="$m" --set simulation.burn_in_months=24 \
    > "$out/$m.log" 2>&1 ||
    { cat "$out/$m.log" >&2; exit 1; }
  # Inclusive count of each mechanism's entry point (the largest line per name: with
  # debug information a function also appears once per source file it was inlined from).
  callgrind_annotate --inclusive=yes --threshold=100 "$out/$m.cg" 2> /dev/null |
    awk 'match($0, /laborsim::(mech::[a-z_]+|Model::record_stocks|Model::step)\(/) {
           name = substr($0, RSTART + 10, RLENGTH - 11); n = $1; gsub(/,/, "", n)
           if (n + 0 > best[name]) best[name] = n + 0 }
         END { for (k in best) print k, best[k] }' > "$out/$m.fn"
}
total() { awk '/^(summary|totals):/ {print $2; exit}' "$out/$1.cg"; }
moves() { awk '/^moves:/ {print $2}' "$out/$1.log"; }

echo "scenario: $scenario, $workers workers, months $months_a and $months_b (1 replicate, 1 thread, under callgrind)"
count "$months_a" & first=$!
count "$months_b" & second=$!
ok=0; wait "$first" || ok=1; wait "$second" || ok=1
(( ok == 0 )) || { echo "bench/instructions.sh: a run failed (its output is above)" >&2; exit 1; }
awk -v ta="$(total "$months_a")" -v tb="$(total "$months_b")" -v ma="$(moves "$months_a")" -v mb="$(moves "$months_b")" \
    -v n="$workers" -v dm="$((months_b - months_a))" -v fa="$out/$months_a.fn" -v fb="$out/$months_b.fn" \
    -v mhz="$(awk -F: '/^cpu MHz/ {print $2; exit}' /proc/cpuinfo)" -v cores="$(nproc)" 'BEGIN {
  di = tb - ta; wm = n * dm; mv = mb - ma
  printf "a recorded month: %.4g instructions; %.1f per worker-month, %.0f per move (%.4f moves per worker-month)\n",
         di / dm, di / wm, di / mv, mv / wm
  while ((getline line < fa) > 0) { split(line, f, " "); a[f[1]] = f[2] }
  while ((getline line < fb) > 0) { split(line, f, " "); b[f[1]] = f[2] }
  print "by mechanism (instructions per worker-month):"
  for (k in b) if (k != "Model::step") printf "  %-28s %6.2f\n", k, (b[k] - a[k]) / wm | "sort -k2 -gr"
  close("sort -k2 -gr")
  if (mhz > 0) {
    cyc = cores * mhz * 1e6 / 1e9
    printf "1e9 worker-months/s on %d cores at %.0f MHz (nominal) allows %.1f cycles per worker-month: %.1f instructions at 2 a cycle\n",
           cores, mhz, cyc, 2 * cyc
  }
}'
