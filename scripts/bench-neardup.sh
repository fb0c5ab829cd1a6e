#!/usr/bin/env bash
# Benchmarks the near-duplicate index (file a new pHash and find its nearest earlier neighbour within 10
# bits) against indexes of 100 k and 1 M hashes: in memory beside a linear scan of the same hashes, and in
# Azure Tables on a private Azurite beside one point read. Prints a Markdown table for docs/benchmarks.md.
#   scripts/bench-neardup.sh [SIZES] [LOOKUPS]      defaults: 100000,1000000 and 100
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sizes=${1:-100000,1000000}
lookups=${2:-100}
work=$(mktemp -d)
eval "$(AZURITE_IN_MEMORY=1 scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"; rm -rf "$work"' EXIT

dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll neardup "$sizes" \
  --connection "$PIPELINE_STORAGE_CONNECTION" --lookups "$lookups" | tee "$work/results.jsonl" >&2

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| index size | in memory (µs/op) | linear scan (µs/op) | scan ÷ index | Tables: load (s) | Tables mean (ms/op) | p95 (ms) | one point read (ms) | op ÷ point read |")
print("|---|---|---|---|---|---|---|---|---|")
for m in [r for r in rows if r["store"] == "memory"]:
    t = next((r for r in rows if r["store"] == "tables" and r["size"] == m["size"]), None)
    scan = 1e6 / m["baselineOperationsPerSecond"]
    cells = [f'{m["size"]:,}', f'{m["microsecondsPerOperation"]:.1f}', f'{scan:.1f}', f'{scan / m["microsecondsPerOperation"]:.1f}×']
    if t:
        cells += [f'{t["loadSeconds"]:.0f}', f'{t["meanMilliseconds"]:.0f}', f'{t["p95Milliseconds"]:.0f}', f'{t["baselineMeanMilliseconds"]:.2f}', f'{t["meanMilliseconds"] / t["baselineMeanMilliseconds"]:.0f}×']
    else:
        cells += ["n/a"] * 5
    print("| " + " | ".join(cells) + " |")
PY
