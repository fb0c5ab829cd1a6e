#!/usr/bin/env bash
# Benchmarks promotion: SIZES staged images (default 1,000 and 10,000, each with a COCO box) promoted through the
# Promote orchestration on the local runner's engine (the Durable Task Framework's Azure Storage provider) on a
# private in-memory Azurite, beside a bare copy of the same images (download and upload If-None-Match, eight at
# a time). Prints a Markdown table for docs/benchmarks.md: images/s, promote ÷ copy, and history sizes.
#   scripts/bench-promote.sh [SIZES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sizes=${1:-1000,10000}
work=$(mktemp -d)
eval "$(AZURITE_IN_MEMORY=1 scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"; rm -rf "$work"' EXIT

dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll promote "$sizes" --connection "$PIPELINE_STORAGE_CONNECTION" | tee "$work/results.jsonl" >&2

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("| images | promote (s) | images/s | bare copy (s) | copy images/s | promote ÷ copy (time) | parent history (events) | largest chunk history (events) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f'| {r["size"]:,} | {r["promoteSeconds"]:.1f} | {r["imagesPerSecond"]:.0f} | {r["baselineSeconds"]:.1f} | {r["baselineImagesPerSecond"]:.0f} | {r["promoteSeconds"] / r["baselineSeconds"]:.2f}× | {r["parentHistoryEvents"]} | {r["largestChunkHistoryEvents"]} |')
PY
