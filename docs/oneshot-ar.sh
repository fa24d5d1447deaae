#!/usr/bin/env bash
# One-shot AR generation as a whole process: `bin/paradec generate -n 128` against llama.cpp's `llama-completion`
# on the same model, prompt, token count and threads. Paired runs, A B A B ...: each pair's ratio is taken on its
# own, so a machine whose speed drifts moves both sides of a pair alike. Wall time from bash's $EPOCHREALTIME
# around each process; user and system seconds and peak RSS from GNU time (/usr/bin/time), which wraps both sides.
# Writes docs/oneshot-ar-tTHREADS.md.
#   Usage: docs/oneshot-ar.sh [RUNS] [THREADS] [MODEL]   (default 15 pairs, 2 threads, models/code-ar.gguf)
#   PARADEC_JAVA_OPTS passes through to bin/paradec (A/B of JVM options: run the script once per setting).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-15}
threads=${2:-2}
model=${3:-$root/models/code-ar.gguf}
prompt='def fibonacci(n):'
gnu_time=/usr/bin/time
[ -x "$gnu_time" ] || { echo "oneshot-ar.sh: needs GNU time at $gnu_time (Debian package 'time')" >&2; exit 1; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "oneshot-ar.sh: needs bash 5 (\$EPOCHREALTIME)" >&2; exit 1; }
paradec=("$root/bin/paradec" generate -m "$model" -p "$prompt" -n 128 -t "$threads" --temp 0)
llama=("$root/build/llama/bin/llama-completion" -m "$model" -p "$prompt" -n 128 -t "$threads" --temp 0 -no-cnv)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(uptime | sed 's/.*load average: //')

# one run: "wall user sys peak_kib" on stdout
timed() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$gnu_time" -f '%U %S %M' -o "$work/one" "$@" >/dev/null 2>&1 || { echo "oneshot-ar.sh: failed: $*" >&2; exit 1; }
  t1=$EPOCHREALTIME
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(cat "$work/one")"
}

timed "${paradec[@]}" >/dev/null  # warm-up: the page cache, the JDK's AOT cache file, llama.cpp's libraries
timed "${llama[@]}" >/dev/null
for i in $(seq "$runs"); do
  echo "$(timed "${paradec[@]}") $(timed "${llama[@]}")" >> "$work/pairs"
done

# a pair's columns: A wall user sys kib, B wall user sys kib
# median [min-max] of the numbers on stdin; FORMAT for each
spread() {
  sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f " [" f "-" f "]", m, v[1], v[NR] }'
}
column() { awk "{ print $1 }" "$work/pairs"; }

out="$root/docs/oneshot-ar-t$threads.md"
{
  echo "# One-shot AR generation, whole process"
  echo
  echo "Measured $(date +%F), $runs paired runs (A B A B ...), $threads threads each side, load average before: $load_before."
  echo "A: \`bin/paradec generate -m $(basename "$model") -p '$prompt' -n 128 -t $threads --temp 0\` (a fresh JVM each run, \`make aot\`'s cache${PARADEC_JAVA_OPTS:+, PARADEC_JAVA_OPTS=\"$PARADEC_JAVA_OPTS\"});"
  echo "B: \`llama-completion\` with the same model, prompt, tokens and threads, \`--temp 0 -no-cnv\`."
  echo "Reproduce: \`docs/oneshot-ar.sh $runs $threads\`. Ratios are medians of the per-pair ratios; the issue's target is A/B wall <= 4."
  echo
  echo "| | paradec (A) | llama-completion (B) | A/B, per pair |"
  echo "|---|---|---|---|"
  echo "| wall s, median [min-max] | $(column '$1' | spread %.3f) | $(column '$5' | spread %.3f) | $(column '$1 / $5' | spread %.2fx) |"
  echo "| user + sys s | $(column '$2 + $3' | spread %.3f) | $(column '$6 + $7' | spread %.3f) | $(column '($2 + $3) / ($6 + $7)' | spread %.2fx) |"
  echo "| peak RSS MiB | $(column '$4 / 1024' | spread %.1f) | $(column '$8 / 1024' | spread %.1f) | |"
} > "$out"
cat "$out"
