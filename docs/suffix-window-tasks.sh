#!/usr/bin/env bash
# The diffusion suffix window on a trained model with a long answer: tasks-long-dlm, `--task inc` (72 positions,
# blocks of 24, 72 steps, greedy, 200 held-out problems, one thread), for vanilla, Fast-dLLM and DiCo, without and
# with the prefix cache, the model seeing the whole suffix (-1) or 24, 8 or 0 masked positions past the block.
# Prints a markdown table: exact match, forward calls and positions computed per problem, tokens/s.
#   docs/suffix-window-tasks.sh > /tmp/table.md
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
echo "| decoder | KV cache | suffix window | exact match | calls/problem | positions computed | vs whole suffix, no cache | tokens/s |"
echo "|---|---|---|---|---|---|---|---|"
for dec in llada fast-dllm dico; do
  base=""
  for kv in none prefix; do
    for w in -1 24 8 0; do
      json=$(bin/paradec eval -m models/tasks-long-dlm.gguf --task inc --decoder $dec --gen-length 72 --block-length 24 \
        --steps 72 --threads 1 --n "$N" --kv-cache $kv --suffix-window $w --json 2>/dev/null | tail -1)
      [ -z "$base" ] && base=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["positions_computed"])' "$json")
      python3 - "$dec" "$kv" "$w" "$base" "$json" <<'PY'
import json, sys
dec, kv, w, base, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
print("| %s | %s | %s | %.1f%% | %.2f | %d | %.2fx | %.0f |" % (dec, "prefix, refresh per block" if kv == "prefix" else "no cache",
      "whole suffix" if w < 0 else str(w), 100 * d["accuracy"], d["forward_calls"] / d["n"], d["positions_computed"],
      d["positions_computed"] / base, d["tokens_per_second"]))
PY
    done
  done
done
