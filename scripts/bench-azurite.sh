#!/usr/bin/env bash
# Runs one Pipeline.Bench command against a private in-memory Azurite, started and stopped here, passing its
# connection string. The command's JSON lines go to stdout, and to stderr for watching.
#   scripts/bench-azurite.sh COMMAND ARGS...      e.g. scripts/bench-azurite.sh promote 1000
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(AZURITE_IN_MEMORY=1 scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"' EXIT

dotnet build bench/Pipeline.Bench -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet bench/Pipeline.Bench/bin/Release/net10.0/Pipeline.Bench.dll "$@" --connection "$PIPELINE_STORAGE_CONNECTION" | tee /dev/stderr
