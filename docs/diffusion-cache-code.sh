#!/usr/bin/env bash
# code-dlm with and without the diffusion prefix KV cache and the suffix window: agreement with the uncached output,
# quality of the output (its perplexity under code-ar given the prompt) and work (positions computed), per setting.
# The first 20 held-out code prompts (models/lab/code-heldout.tsv), generation length GEN (default 128; code-dlm's
# context is 1024 tokens since stop 27), blocks of 32, greedy, one thread. Prints a markdown table.
#   docs/diffusion-cache-code.sh > /tmp/table.md
# WORK=DIR keeps the raw outputs there (one JSON per run) and reuses those already present.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
PROMPTS=${PROMPTS:-20}
GEN=${GEN:-128}
# the prompts, byte for byte (the TSV escapes \t \n \r \\), one file each
python3 - "$work" "$PROMPTS" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(s[i + 1], "\\" + s[i + 1])); i += 2
        else:
            out.append(s[i]); i += 1
    return "".join(out)
lines = [l for l in open("models/lab/code-heldout.tsv", encoding="utf-8").read().split("\n") if l.strip()]
for k, line in enumerate(lines[:n]):
    with open("%s/prompt%02d.txt" % (work, k), "w", encoding="utf-8", newline="") as f:
        f.write(unescape(line.split("\t", 1)[0]))
PY
for ((k = 0; k < PROMPTS; k++)); do
  for dec in llada fast-dllm dico; do
    for s in none prefix1 prefix2 prefix4 prefix nonew0 prefixw8 prefixw0; do
      case $s in
        none) args=(--kv-cache none) ;;
        prefix[0-9]) args=(--kv-cache prefix --cache-refresh "${s#prefix}") ;;
        prefix) args=(--kv-cache prefix) ;;
        nonew0) args=(--kv-cache none --suffix-window 0) ;;
        prefixw8) args=(--kv-cache prefix --suffix-window 8) ;;
        prefixw0) args=(--kv-cache prefix --suffix-window 0) ;;
      esac
      out=$(printf '%s/%s_%s_%02d.json' "$work" "$dec" "$s" $k)
      [ -s "$out" ] && continue
      bin/paradec generate -m models/code-dlm.gguf -f "$(printf '%s/prompt%02d.txt' "$work" $k)" -n "$GEN" --block-length 32 \
        --decoder $dec --temp 0 --threads 1 "${args[@]}" --json > "$out.tmp" 2>/dev/null
      mv "$out.tmp" "$out"
    done
  done
done
# code-ar scores every output (prompt TAB output text) in one run, then the table
python3 - "$work" "$PROMPTS" pairs <<'PY' > "$work/pairs.tsv"
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
esc = lambda s: s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
for dec in ("llada", "fast-dllm", "dico"):
    for s in ("none", "prefix1", "prefix2", "prefix4", "prefix", "nonew0", "prefixw8", "prefixw0"):
        for k in range(n):
            prompt = open("%s/prompt%02d.txt" % (work, k), encoding="utf-8", newline="").read()
            print(esc(prompt) + "\t" + esc(json.load(open("%s/%s_%s_%02d.json" % (work, dec, s, k)))["text"]))
# the held-out file's own continuations of the same prompts, for scale
for line in [l for l in open("models/lab/code-heldout.tsv", encoding="utf-8").read().split("\n") if l.strip()][:n]:
    print(line)
PY
bin/paradec perplexity -m models/code-ar.gguf --pairs "$work/pairs.tsv" --threads 1 --json > "$work/perplexity.json"
python3 - "$work" "$PROMPTS" <<'PY'
import json, math, sys
work, n = sys.argv[1], int(sys.argv[2])
per_pair = json.load(open(work + "/perplexity.json"))["per_pair"]
label = {"none": "no cache", "prefix1": "prefix, refresh every step (exact)", "prefix2": "prefix, refresh every 2 steps",
         "prefix4": "prefix, refresh every 4 steps", "prefix": "prefix, refresh per block",
         "nonew0": "no cache, suffix window 0", "prefixw8": "prefix per block, suffix window 8",
         "prefixw0": "prefix per block, suffix window 0"}
ppl = lambda rows: math.exp(sum(r["nll"] for r in rows) / max(1, sum(r["tokens"] for r in rows)))
print("| decoder | KV cache | tokens as no cache | outputs identical to no cache | code-ar perplexity of the output | "
      "distinct tokens per output (mean) | positions computed | vs no cache | forward calls |")
print("|---|---|---|---|---|---|---|---|---|")
i = 0
for dec in ("llada", "fast-dllm", "dico"):
    runs = {s: [json.load(open("%s/%s_%s_%02d.json" % (work, dec, s, k))) for k in range(n)] for s in label}
    base = runs["none"]
    for s in label:
        same = sum(a == b for r, b0 in zip(runs[s], base) for a, b in zip(r["tokens"], b0["tokens"]))
        total = sum(len(b0["tokens"]) for b0 in base)
        ident = sum(r["tokens"] == b0["tokens"] for r, b0 in zip(runs[s], base))
        pos = sum(r["positions_computed"] for r in runs[s])
        pos0 = sum(r["positions_computed"] for r in base)
        print("| %s | %s | %.1f%% | %d/%d | %.1f | %.1f | %d | %.2fx | %d |" % (dec, label[s], 100 * same / total, ident, n,
              ppl(per_pair[i:i + n]), sum(len(set(r["tokens"])) for r in runs[s]) / n, pos, pos / pos0, sum(r["forward_calls"] for r in runs[s])))
        i += n
same = lambda dec: sum(json.load(open("%s/%s_%s_%02d.json" % (work, dec, s, k)))["tokens"]
                       == json.load(open("%s/llada_%s_%02d.json" % (work, s, k)))["tokens"] for s in label for k in range(n))
print()
print("Outputs of fast-dllm and of dico token for token equal to llada's under the same cache setting: %d and %d of %d."
      % (same("fast-dllm"), same("dico"), len(label) * n))
print("The held-out file's own continuations of the same %d prompts: code-ar perplexity %.1f." % (n, ppl(per_pair[i:i + n])))
PY
