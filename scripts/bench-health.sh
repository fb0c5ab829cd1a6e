#!/usr/bin/env bash
# Benchmarks a dataset's health check: SHAPES (BATCHESxROWS, default 10x2000, 100x100 and 1000x10) of catalog
# rows of accepted images on a private in-memory Azurite; the first check (every batch profiled) and a later one
# (nothing changed: cached profiles), beside a bare read of the same rows. Prints a Markdown table for
# docs/benchmarks.md.
#   scripts/bench-health.sh [SHAPES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shapes=${1:-10x2000,100x100,1000x10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/bench-azurite.sh health "$shapes" > "$work/results.jsonl"

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("| batches × rows | bare read of the rows (s) | first check (s) | first ÷ bare | later check, nothing changed (s) | later ÷ bare |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f'| {r["batches"]:,} × {r["rows"]:,} | {r["bareReadSeconds"]:.2f} | {r["firstCheckSeconds"]:.2f} | {r["firstCheckSeconds"] / r["bareReadSeconds"]:.2f}× | {r["laterCheckSeconds"]:.2f} | {r["laterCheckSeconds"] / r["bareReadSeconds"]:.2f}× |')
PY
