#!/usr/bin/env bash
# tasks-dlm accuracy and work with and without the diffusion prefix KV cache, per refresh setting:
# every held-out problem of add, sort and path, one block over the answer, steps = answer length, greedy,
# one thread (the model is tiny: more threads only add synchronisation). Prints a markdown table.
#   docs/diffusion-cache-accuracy.sh > /tmp/table.md
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
for dec in llada fast-dllm dico; do
  for task in add sort path; do
    for s in none "prefix 1" "prefix 2" "prefix 4" prefix; do
      set -- $s
      args=(--kv-cache "$1"); [ -n "${2:-}" ] && args+=(--cache-refresh "$2")
      echo "$dec | $task | $s | $(bin/paradec eval --task $task -m models/tasks-dlm.gguf --decoder $dec --threads 1 "${args[@]}" --json)" >> "$tmp"
    done
  done
done
python3 - "$tmp" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    dec, task, setting, js = [x.strip() for x in line.split("|", 3)]
    rows.setdefault((dec, setting), {})[task] = json.loads(js)
label = {"none": "no cache", "prefix 1": "prefix, refresh every step (exact)", "prefix 2": "prefix, refresh every 2 steps",
         "prefix 4": "prefix, refresh every 4 steps", "prefix": "prefix, refresh per block"}
print("| decoder | KV cache | add | sort | path | accuracy vs no cache (points) | positions computed (3 tasks) | vs no cache | tokens/s add / sort / path |")
print("|---|---|---|---|---|---|---|---|---|")
for (dec, setting), t in rows.items():
    base = rows[(dec, "none")]
    acc = lambda k, r=t: 100 * r[k]["accuracy"]
    delta = " / ".join("%+.1f" % (acc(k) - acc(k, base)) for k in ("add", "sort", "path"))
    pos = sum(t[k]["positions_computed"] for k in t)
    pos0 = sum(base[k]["positions_computed"] for k in base)
    print("| %s | %s | %.1f%% | %.1f%% | %.1f%% | %s | %d | %.2fx | %s |" % (dec, label[setting], acc("add"), acc("sort"), acc("path"), delta,
          pos, pos / pos0, " / ".join("%.0f" % t[k]["tokens_per_second"] for k in ("add", "sort", "path"))))
PY
rm -f "$tmp"
