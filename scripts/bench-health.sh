#!/usr/bin/env bash
# Benchmarks a dataset's health check: SHAPES (BATCHESxROWS, default 100x100 and 1000x10: ten thousand accepted
# images either way) of catalog rows on a private in-memory Azurite; the first check (every batch profiled) and a
# later one (nothing changed: cached profiles), beside a bare read of the same rows. Prints a Markdown table for
# docs/benchmarks.md.
#   scripts/bench-health.sh [SHAPES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shapes=${1:-100x100,1000x10}
work=$(mktemp -d)
eval "$(AZURITE_IN_MEMORY=1 scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"; rm -rf "$work"' EXIT

dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll health "$shapes" --connection "$PIPELINE_STORAGE_CONNECTION" | tee "$work/results.jsonl" >&2

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("| batches × rows | bare read of the rows (s) | first check (s) | first ÷ bare | later check, nothing changed (s) | later ÷ bare |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f'| {r["batches"]:,} × {r["rows"]:,} | {r["bareReadSeconds"]:.2f} | {r["firstCheckSeconds"]:.2f} | {r["firstCheckSeconds"] / r["bareReadSeconds"]:.2f}× | {r["laterCheckSeconds"]:.2f} | {r["laterCheckSeconds"] / r["bareReadSeconds"]:.2f}× |')
PY
