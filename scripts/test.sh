#!/usr/bin/env bash
# Runs every test: restores what it needs (NuGet, Azurite from package-lock.json), builds with warnings as
# errors, starts a private Azurite on free ports, runs the tests against it, and stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error
dotnet build Pipeline.sln -warnaserror -nologo -clp:ErrorsOnly

eval "$(scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"' EXIT

dotnet test Pipeline.sln --no-build --nologo "$@"
