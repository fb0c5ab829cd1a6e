#!/usr/bin/env bash
# Benchmarks label QA on one core: a generated COCO file of BOXES boxes (default one million) read as a stream
# and checked, beside parsing the same file into a JSON DOM (the floor for a tool that loads the file first).
# Prints a Markdown table for docs/benchmarks.md.
#   scripts/bench-labels.sh [BOXES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
boxes=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
bench=(dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll)
"${bench[@]}" labels-corpus "$work/coco.json" "$boxes"
for mode in dom stream dom stream; do
  DOTNET_PROCESSOR_COUNT=1 DOTNET_gcServer=0 taskset -c 0 "${bench[@]}" labels "$work/coco.json" --mode "$mode" >>"$work/results.jsonl"
done
python3 - "$work/results.jsonl" "$root/scripts/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from bench_results import fastest_per_mode
best = fastest_per_mode(sys.argv[1], "totalSeconds")
d, s = best["dom"], best["stream"]
print(f'File: {s["megabytes"]:.0f} MB, {s["boxes"]:,} boxes.\n')
print("| path | read (s) | checks (s) | boxes/s | peak MB |")
print("|---|---|---|---|---|")
print(f'| JSON DOM parse only (baseline) | {d["readSeconds"]:.2f} | – | {d["boxesPerSecond"]:,.0f} | {d["peakMegabytes"]:.0f} |')
print(f'| streaming read + all label checks + report | {s["readSeconds"]:.2f} | {s["checkSeconds"]:.2f} | {s["boxesPerSecond"]:,.0f} | {s["peakMegabytes"]:.0f} |')
print(f'\nStreaming read and checks ÷ DOM parse: {s["totalSeconds"] / d["totalSeconds"]:.2f}× the time, {s["peakMegabytes"] / d["peakMegabytes"]:.2f}× the peak memory ({s["findings"]:,} findings).')
PY
