#!/usr/bin/env bash
# Regenerates the golden snapshots under infra/tests/ (bicep snapshot, offline) after an intended template
# change. The infra tests compare against these files; commit them with the change that explains them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet restore tests/Pipeline.Infra.Tests -nologo -v:q >/dev/null
bicep="${NUGET_PACKAGES:-$HOME/.nuget/packages}/azure.bicep.commandline.linux-x64/0.49.2/tools/bicep"
for params in infra/tests/*.bicepparam; do
  "$bicep" snapshot "$params" --mode overwrite \
    --subscription-id 00000000-0000-0000-0000-00000000abcd --tenant-id 00000000-0000-0000-0000-0000000000aa
  snapshot="${params%.bicepparam}.snapshot.json"
  # bicep writes outputs in no fixed order; sorting them keeps the golden file's diff to real changes.
  node -e '
    const fs = require("fs"); const f = process.argv[1]; const s = JSON.parse(fs.readFileSync(f, "utf8"));
    s.outputs = Object.fromEntries(Object.entries(s.outputs || {}).sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync(f, JSON.stringify(s, null, 2) + "\n");' "$snapshot"
  echo "wrote $snapshot"
done
