#!/usr/bin/env bash
# Benchmarks promotion planning: NEW images (one new batch; default 10,000) promoted into a dataset of PARENT
# images (default 1,000,000, in batches of 10,000 that version 1 took whole), on in-memory stand-ins that make
# catalog rows as they are read. "skip" is today's planner (marked batches probed, not read); "read-all" names every
# batch, so every row is read and held: what every promotion did before batches were marked. Each run is its own
# process (its own memory high-water mark), twice per mode, alternating. Prints a Markdown table.
#   scripts/bench-plan.sh [PARENT] [NEW]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
parent=${1:-1000000}
added=${2:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
bench=(dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll)
"${bench[@]}" plan-corpus "$work" "$parent" "$added"
for mode in read-all skip read-all skip; do
  "${bench[@]}" plan "$work" --mode "$mode" >>"$work/results.jsonl"
done
python3 - "$work/results.jsonl" "$root/scripts/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from bench_results import fastest_per_mode
best = fastest_per_mode(sys.argv[1], "seconds")
a, s = best["read-all"], best["skip"]
print(f'{s["added"]:,} new images into {s["parent"]:,}.\n')
print("| planner | batches read | rows read | probes | plan (s) | peak MB | allocated MB |")
print("|---|---|---|---|---|---|---|")
for name, r in (("every batch read (before)", a), ("marked batches skipped (now)", s)):
    print(f'| {name} | {r["batchesRead"]} | {r["rowsRead"]:,} | {r["probes"]} | {r["seconds"]:.1f} | {r["peakMegabytes"]:.0f} | {r["allocatedMegabytes"]:,.0f} |')
print(f'| now ÷ before | | {s["rowsRead"] / a["rowsRead"]:.3f}× | | {s["seconds"] / a["seconds"]:.2f}× | {s["peakMegabytes"] / a["peakMegabytes"]:.2f}× | {s["allocatedMegabytes"] / a["allocatedMegabytes"]:.2f}× |')
PY
