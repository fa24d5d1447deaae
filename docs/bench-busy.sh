#!/usr/bin/env bash
# AR generation on a busy machine: one other process keeps a core busy (a shell loop at normal priority) while
# paradec (--threads 2 as a ceiling, ThreadChooser picks per decode) and llama-bench (-t 2, and -t 1 for reference)
# generate 128 tokens, interleaved, ROUNDS rounds. Writes docs/bench-busy.md.
#   docs/bench-busy.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
model=models/code-ar.gguf
bin=build/llama/bin
out=docs/bench-busy.md
tmp=$(mktemp -d)
( while :; do :; done ) &
busy=$!
trap 'kill $busy 2>/dev/null; rm -rf "$tmp"' EXIT
llama_bench() { "$bin/llama-bench" -m "$model" -p 0 -n 128 -t "$1" -r 1 -o csv 2>/dev/null | tail -1 | awk -F, '{gsub(/"/, "", $(NF-1)); print $(NF-1)}'; }
for r in $(seq 1 "$rounds"); do
  llama_bench 2 >> "$tmp/llama-t2"
  llama_bench 1 >> "$tmp/llama-t1"
  bin/paradec bench -m "$model" --decoders ar,jacobi -n 128 --repeat 1 --threads 2 --json \
    | python3 -c 'import json,sys; [print(r["decoder"], r["tokens_per_second"]) for r in json.load(sys.stdin)["runs"]]' >> "$tmp/paradec"
done
python3 - "$tmp" "$rounds" "$(nproc)" > "$out" <<'PY'
import statistics, sys, os
d, rounds, cores = sys.argv[1], sys.argv[2], sys.argv[3]
def read(name): return [float(x) for x in open(os.path.join(d, name)).read().split()]
rows = {"llama-bench tg128 -t 2 (C++)": read("llama-t2"), "llama-bench tg128 -t 1 (C++)": read("llama-t1")}
for line in open(os.path.join(d, "paradec")):
    dec, tps = line.split()
    rows.setdefault("paradec " + dec + " --threads 2", []).append(float(tps))
base = statistics.median(rows["llama-bench tg128 -t 2 (C++)"])
print("# AR generation on a busy machine\n")
print(f"`docs/bench-busy.sh {rounds}`: {cores} cores, one kept busy by another process (a shell loop, normal priority);")
print("code-ar, 128 greedy tokens; paradec's runs are `bench --repeat 1` (4 prompts, warm), llama-bench's one tg128 each,")
print("interleaved per round. paradec's --threads 2 is a ceiling: each decode runs on the count that has been fastest lately.\n")
print("| what | runs | tokens/s median [min-max] | vs llama-bench -t 2 (medians) |")
print("|---|---|---|---|")
for name, v in rows.items():
    print(f"| {name} | {len(v)} | {statistics.median(v):.0f} [{min(v):.0f}-{max(v):.0f}] | {statistics.median(v) / base:.2f}x |")
PY
cat "$out"
