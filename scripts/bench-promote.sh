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
trap 'rm -rf "$work"' EXIT
scripts/bench-azurite.sh promote "$sizes" > "$work/results.jsonl"

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("| images | promote (s) | images/s | bare copy (s) | copy images/s | promote ÷ copy (time) | parent history (events) | largest chunk history (events) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f'| {r["size"]:,} | {r["promoteSeconds"]:.1f} | {r["imagesPerSecond"]:.0f} | {r["baselineSeconds"]:.1f} | {r["baselineImagesPerSecond"]:.0f} | {r["promoteSeconds"] / r["baselineSeconds"]:.2f}× | {r["parentHistoryEvents"]} | {r["largestChunkHistoryEvents"]} |')
PY
