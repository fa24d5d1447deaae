#!/usr/bin/env bash
# One-shot AR generation as a whole process: `bin/paradec generate -n 128` against llama.cpp's `llama-completion`
# on the same model, prompt, token count and threads, paired runs through the tool library's farm-bench.
# Writes docs/oneshot-ar-tTHREADS.md.
#   Usage: docs/oneshot-ar.sh [RUNS] [THREADS] [MODEL]   (default 15 runs, 2 threads, models/code-ar.gguf)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-15}
threads=${2:-2}
model=${3:-$root/models/code-ar.gguf}
prompt='def fibonacci(n):'
command -v farm-bench >/dev/null || { echo "oneshot-ar.sh: farm-bench (the tool library's paired timer) is not on PATH" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/paradec.sh" <<SH
#!/bin/bash
"$root/bin/paradec" generate -m "$model" -p "$prompt" -n 128 -t $threads --temp 0 >/dev/null 2>&1
SH
cat > "$work/llama.sh" <<SH
#!/bin/bash
"$root/build/llama/bin/llama-completion" -m "$model" -p "$prompt" -n 128 -t $threads --temp 0 -no-cnv >/dev/null 2>&1
SH
chmod +x "$work/paradec.sh" "$work/llama.sh"
out="$root/docs/oneshot-ar-t$threads.md"
{
  echo "# One-shot AR generation, whole process"
  echo
  echo "Measured $(date +%F), $runs paired runs, $threads threads each side, load average before: $(uptime | sed 's/.*load average: //')."
  echo "A: \`bin/paradec generate -m $(basename "$model") -p '$prompt' -n 128 -t $threads --temp 0\` (a fresh JVM each run, \`make aot\`'s cache);"
  echo "B: \`llama-completion\` with the same model, prompt, tokens and threads, \`--temp 0 -no-cnv\`."
  echo "Reproduce: \`docs/oneshot-ar.sh $runs $threads\`. A/B below 1 means paradec is faster; the issue's target is A/B wall <= 4."
  echo
  echo '```'
  farm-bench -n "$runs" --vs "$work/llama.sh" -- "$work/paradec.sh" 2>&1 | tail -14
  echo '```'
} > "$out"
cat "$out"
