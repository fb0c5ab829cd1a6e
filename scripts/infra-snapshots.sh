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
  echo "wrote ${params%.bicepparam}.snapshot.json"
done
