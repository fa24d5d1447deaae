#!/usr/bin/env bash
# Diffusion in a one-shot CLI run: time per forward call of `bin/paradec generate` (a fresh JVM each run, no
# cache and --kv-cache prefix) against llama-diffusion-cli on the same model, prompt, length, blocks and steps
# per block, rounds interleaved. Writes docs/oneshot-diffusion-tTHREADS.md.
#   Usage: docs/oneshot-diffusion.sh [ROUNDS] [THREADS] [MODEL ...]
#   (default 5 rounds, 2 threads, models/generated/llada-32k.gguf and llada-126k.gguf, made by
#   `bin/paradec synth`; see BENCHMARKS.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-5}
threads=${2:-2}
shift $(( $# > 2 ? 2 : $# ))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root/models/generated/llada-32k.gguf" "$root/models/generated/llada-126k.gguf")
tool="$root/build/llama/bin/llama-diffusion-cli"
# 32 tokens once chat-formatted, so both sides compute the same 128 positions (llama-diffusion-cli's -ub 128 caps its
# sequence at 128; a 131-position decode of the 126k model costs ~23% more than a 128-position one)
prompt='Write a short story about a robot that learns to paint, with a happy ending.'
out="$root/docs/oneshot-diffusion-t$threads.md"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# paradec: wall time of the generation over its forward calls, Java time, and the tokens (to compare runs)
paradec() {
  PARADEC_JAVA_OPTS="${view:-}" "$root/bin/paradec" generate -m "$1" -p "$prompt" --gen-length 96 --block-length 32 --steps 36 \
    --threads "$threads" --json "${@:2}" 2>/dev/null | python3 -c '
import hashlib, json, sys
d = json.loads(sys.stdin.readline())
print("%.2f %.0f %s" % (d["wall_ms"] / d["forward_calls"], d["java_ms"], hashlib.md5(str(d["tokens"]).encode()).hexdigest()[:8]))'
}
# llama-diffusion-cli: its total time over the decodes it really makes, counted from its progress lines (one per
# decode): its blocks tile 128 positions from the prompt's end and it may stop a block early, so the count varies
# with the model (37 on the 32k model here, 27 on the 126k one); --temp 0 as paradec is greedy
cli() {
  local log
  log=$("$tool" -m "$1" -p "$prompt" -ub 128 -n 96 --diffusion-steps 48 --diffusion-block-length 32 \
    --diffusion-algorithm 4 --temp 0 -t "$threads" 2>&1 | tr '\r' '\n')
  local total decodes
  total=$(sed -n 's/.*total time: \([0-9.]*\)ms.*/\1/p' <<< "$log")
  decodes=$(grep -c 'diffusion step:' <<< "$log")
  awk -v t="$total" -v d="$decodes" 'BEGIN { printf "%.2f %d\n", t / d, d }'
}

for m in "${models[@]}"; do
  for r in $(seq "$rounds"); do
    echo "$(basename "$m") none $(paradec "$m")" >> "$raw"
    echo "$(basename "$m") path $(view=-Dparadec.diffusion.view=never paradec "$m")" >> "$raw"
    echo "$(basename "$m") prefix $(paradec "$m" --kv-cache prefix)" >> "$raw"
    echo "$(basename "$m") cli $(cli "$m")" >> "$raw"
  done
done

python3 - "$raw" "$rounds" "$threads" "$(date +%F)" "$(uptime | sed 's/.*load average: //')" > "$out" <<'EOF'
import statistics, sys
raw, rounds, threads, day, load = sys.argv[1:]
rows = {}
for line in open(raw):
    f = line.split()
    rows.setdefault(f[0], {}).setdefault(f[1], []).append(f[2:])
print("# Diffusion in a one-shot CLI run\n")
print(f"Measured {day}, {rounds} interleaved rounds, {threads} threads each side, load average at the end {load}.")
print("Each paradec run is a fresh `bin/paradec generate` (JVM start, model load, 36 forward calls: 96 positions after a")
print("32-token chat-formatted prompt, 128 in all, blocks of 32, 12 steps a block); llama-diffusion-cli runs the same prompt, length, blocks")
print("and steps per block (algorithm 4, confidence, --temp 0), and its total time is divided by the decodes it makes (counted")
print("from its progress lines; in parentheses after its times).")
print("Reproduce: `docs/oneshot-diffusion.sh " + rounds + " " + threads + "`.\n")
print("Without a cache paradec runs on the model's causal view, which computes only the block's logits rows (the same")
print("rows bit for bit); the diffusion-path column (`-Dparadec.diffusion.view=never`) computes every position's, as")
print("llama-diffusion-cli does.\n")
print("| model | paradec, no cache: ms per forward call | Java ms per run | no cache, diffusion path | paradec, prefix cache | llama-diffusion-cli | no cache vs llama-diffusion-cli (ratio of medians; best runs) | diffusion path vs llama-diffusion-cli | prefix vs llama-diffusion-cli |")
print("|---|---|---|---|---|---|---|---|---|")
def med(xs): return statistics.median(xs)
def fmt(xs): return "%.1f [%.1f-%.1f]" % (med(xs), min(xs), max(xs))
for model, r in rows.items():
    none = [float(x[0]) for x in r["none"]]
    java = [float(x[1]) for x in r["none"]]
    pre = [float(x[0]) for x in r["prefix"]]
    path = [float(x[0]) for x in r["path"]]
    cli = [float(x[0]) for x in r["cli"]]
    decodes = sorted({x[1] for x in r["cli"]})
    print(f"| {model} | {fmt(none)} | {med(java):.0f} | {fmt(path)} | {fmt(pre)} | {fmt(cli)} ({'/'.join(decodes)} decodes) | "
          f"{med(cli) / med(none):.2f}x; {min(cli) / min(none):.2f}x | {med(cli) / med(path):.2f}x; {min(cli) / min(path):.2f}x | "
          f"{med(cli) / med(pre):.2f}x; {min(cli) / min(pre):.2f}x |")
print()
for model, r in rows.items():
    same = len({x[2] for x in r["none"] + r["path"]}) == 1 and len({x[2] for x in r["prefix"]}) == 1
    print(f"- {model}: every uncached run (view and diffusion path) gave the same tokens, and every prefix-cache run the same: {'yes' if same else 'NO'}.")
print("\nA ratio above 1 means paradec takes less time per forward call than llama-diffusion-cli.")
EOF
cat "$out"
