#!/usr/bin/env bash
# Runs every test: restores what it needs (NuGet, Azurite from package-lock.json), builds with warnings as
# errors, starts a private Azurite on free ports, runs the tests against it, and stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error
# The infra tests run ShellCheck over the hook scripts: Debian's package, installed where we may.
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck) >/dev/null
fi
# The report tests open pages in Debian's chromium (Playwright drives it; no browser is downloaded).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
dotnet build Pipeline.sln -warnaserror -nologo -clp:ErrorsOnly

eval "$(scripts/azurite.sh start)"
trap 'scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"' EXIT

log=$(mktemp)
set +e
dotnet test Pipeline.sln --no-build --nologo "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e
# One closing line for every runner that reads it: the totals over all test assemblies.
totals=$(awk '/(Passed|Failed)!/ { for (i = 1; i < NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
  END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$log")
rm -f "$log"
echo
echo "$totals"
if [ "$code" -eq 0 ] && [ "${totals%% *}" = 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$code"
