#!/usr/bin/env bash
# Benchmarks model evaluation on one core: a generated world of IMAGES images (default 30,000: about 300 k labels
# and 1 M predictions, as COCO labels and a COCO results file) read as streams, scored by the COCO metrics, judged
# for label issues and a confusion matrix; beside parsing both files into JSON DOMs (the floor for a tool that loads
# them first). Then the accuracy evaluation of label issues (docs/checks.md) over SEEDS generated worlds.
# Prints Markdown for docs/benchmarks.md and docs/checks.md.
#   scripts/bench-model.sh [IMAGES] [SEEDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
images=${1:-30000}
seeds=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
bench=(dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll)
"${bench[@]}" model-corpus "$work" "$images"
for mode in dom stream dom stream dom stream; do
  DOTNET_PROCESSOR_COUNT=1 DOTNET_gcServer=0 taskset -c 0 "${bench[@]}" model "$work" --mode "$mode" >>"$work/results.jsonl"
done
python3 - "$work/results.jsonl" "$root/scripts/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from bench_results import fastest_per_mode
best = fastest_per_mode(sys.argv[1], "totalSeconds")
d, s = best["dom"], best["stream"]
print(f'Files: {s["megabytes"]:.0f} MB, {s["labels"]:,} labels, {s["predictions"]:,} predictions (fastest of three runs each).\n')
print("| path | read (s) | COCO metrics (s) | label issues + confusion (s) | total (s) | peak MB |")
print("|---|---|---|---|---|---|")
print(f'| JSON DOM parse of both files only (baseline) | {d["readSeconds"]:.2f} | – | – | {d["totalSeconds"]:.2f} | {d["peakMegabytes"]:.0f} |')
print(f'| streaming read + evaluation + label issues | {s["readSeconds"]:.2f} | {s["evaluateSeconds"]:.2f} | {s["issueSeconds"]:.2f} | {s["totalSeconds"]:.2f} | {s["peakMegabytes"]:.0f} |')
print(f'\nWhole evaluation ÷ DOM parse: {s["totalSeconds"] / d["totalSeconds"]:.2f}× the time, {s["peakMegabytes"] / d["peakMegabytes"]:.2f}× the peak memory ({s["issues"]:,} label issues).\n')
PY
"${bench[@]}" model-accuracy 4000 "$seeds"
