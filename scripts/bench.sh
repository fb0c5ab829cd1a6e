#!/usr/bin/env bash
# Benchmarks the ingest checks (ImageGuard) against two baselines measured in the same run:
#   decode      ImageSharp's full decode alone (the floor for any ImageSharp-based check)
#   pillow      Pillow with Image.draft doing the same decode-downscale-statistics work (Debian python3-pil)
# on a corpus made from the sample photographs (1920x1080 and 4000x3000 JPEG, 1280x720 PNG),
# on one core and on all cores. Prints a Markdown table for docs/benchmarks.md.
#   scripts/bench.sh [SECONDS_PER_CELL]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-5}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

py=python3
for candidate in python3 /usr/bin/python3; do
  if $candidate -c "import PIL, numpy" 2>/dev/null; then py=$candidate; break; fi
done
if ! $py -c 'import PIL, numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pil python3-numpy) >&2
    py=/usr/bin/python3
  fi
fi

dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
bench="dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll"
$bench corpus samples/images/good "$work/corpus"

results="$work/results.jsonl"
for threads in 1 "$cores"; do
  $bench run "$work/corpus" --mode decode --threads "$threads" --seconds "$seconds" >>"$results"
  $bench run "$work/corpus" --mode guard --threads "$threads" --seconds "$seconds" >>"$results"
  if $py -c 'import PIL, numpy' 2>/dev/null; then
    $py bench/Pipeline.Bench/pillow_bench.py "$work/corpus" "$threads" "$seconds" >>"$results"
  fi
done

$bench stages "$work/corpus" >"$work/stages.jsonl"

python3 - "$results" "$cores" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cores = int(sys.argv[2])
def get(tool, mode, cls, t):
    for r in rows:
        if r["tool"] == tool and r["mode"].startswith(mode) and r["class"] == cls and r["threads"] == t:
            return r
print(f"| image class | threads | decode only (img/s) | guard: all checks (img/s) | guard ÷ decode | Pillow+draft (img/s) | guard ÷ Pillow | guard peak MB | Pillow peak MB |")
print("|---|---|---|---|---|---|---|---|---|")
for cls in sorted({r["class"] for r in rows}):
    for t in sorted({1, cores}):
        d, g, p = get("imagesharp", "decode", cls, t), get("imagesharp", "guard", cls, t), get("pillow-draft", "guard", cls, t)
        pr = f'{p["imagesPerSecond"]:.1f}' if p else "n/a"
        ratio = f'{g["imagesPerSecond"] / p["imagesPerSecond"]:.2f}×' if p else "n/a"
        pm = f'{p["peakMegabytes"]:.0f}' if p else "n/a"
        print(f'| {cls} | {t} | {d["imagesPerSecond"]:.1f} | {g["imagesPerSecond"]:.1f} | {g["imagesPerSecond"] / d["imagesPerSecond"]:.2f}× | {pr} | {ratio} | {g["peakMegabytes"]:.0f} | {pm} |')
PY

echo
python3 - "$work/stages.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| image class | SHA-256 (ms) | structure walk (ms) | decode (ms) | decode + statistics (ms) | guard (ms) | guard ÷ decode |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    m = r["milliseconds"]
    print(f'| {r["class"]} | {m["sha256"]:.2f} | {m["structure"]:.2f} | {m["decode"]:.1f} | {m["decodeAndStatistics"]:.1f} | {m["guard"]:.1f} | {m["guard"] / m["decode"]:.2f}× |')
PY
