#!/usr/bin/env bash
# Jacobi editing/refinement mode: how many forward calls --init-from saves on near-copies.
# The reference is the model's own greedy continuation with every K-th word altered, so the
# output (always equal to AR greedy) is a near-copy of it. Forward calls are counted, not timed.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-}
margs=(); [ -n "$model" ] && margs=(-m "$model")
prompt="def fibonacci(n):"
n=128
tmp=$(mktemp -d)
bin/paradec generate "${margs[@]}" -p "$prompt" -n $n --json 2>/dev/null > "$tmp/ar.json"
python3 - "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/ar.json"))
words = d["text"].split(" ")
for every in (0, 20, 8, 3):
    w = list(words)
    if every:
        for i in range(every - 1, len(w), every):
            w[i] = "X" + w[i][::-1]
    open(f"{sys.argv[1]}/ref{every}.txt", "w").write(" ".join(w))
PY
printf "| reference | decoder | forward calls | tokens | tokens/call | same tokens as AR |\n|---|---|---|---|---|---|\n"
ar_tokens=$(python3 -c "import json;print(json.load(open('$tmp/ar.json'))['tokens'])")
printf "| none | ar | %s | %s | 1.00 | yes |\n" "$(python3 -c "import json;d=json.load(open('$tmp/ar.json'));print(d['forward_calls'], d['generated_tokens'], sep=' | ')" | cut -d'|' -f1)" "$n"
for w in 16 auto; do
  for every in none 0 20 8 3; do
    if [ "$every" = none ]; then extra=(); label="none"; else extra=(--init-from "$tmp/ref$every.txt"); label=$([ "$every" = 0 ] && echo "exact copy" || echo "every ${every}th word altered"); fi
    bin/paradec generate "${margs[@]}" -p "$prompt" -n $n --decoder jacobi --window $w "${extra[@]}" --json 2>/dev/null \
      | python3 -c "import json,sys; d=json.load(sys.stdin); print('| $label | jacobi --window $w | %d | %d | %.2f | %s |' % (d['forward_calls'], d['generated_tokens'], d['tokens_per_call'], 'yes' if str(d['tokens'])=='''$ar_tokens''' else 'no'))"
  done
done
rm -rf "$tmp"
