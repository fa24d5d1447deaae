#!/usr/bin/env bash
# Accuracy by planning distance (issue #15) on the plan task (models/lab/tasks.py: star graph, letter nodes, d = 2..6):
# plan-ar (AR greedy), plan-dlm and plan-mdm (every unmasking policy), on the held-out problems of each distance, plus
# the training curves of the lab runs (build/lab/plan-*/loss.csv, when present). Writes docs/planning-by-distance.md
# and docs/planning-by-distance.png (models/lab/planning_table.py; ~15 minutes on 1 thread here).
#   Usage: docs/planning-by-distance.sh [--n N] [--threads T]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
/usr/bin/python3 models/lab/planning_table.py "$@"
cat docs/planning-by-distance.md
