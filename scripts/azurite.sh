#!/usr/bin/env bash
# Starts or stops a private Azurite (the Azure Storage emulator) for one run.
#
#   scripts/azurite.sh start   installs Azurite from package-lock.json if needed, starts it on 127.0.0.1
#                              on three free ports with a fresh data folder and a fresh random account key,
#                              waits until all three ports answer, and prints shell assignments:
#                                export AZURITE_PID=… AZURITE_DATA=… PIPELINE_STORAGE_CONNECTION=…
#   scripts/azurite.sh stop PID [DATA]   stops that Azurite by PID and removes its data folder.
#
# Use: eval "$(scripts/azurite.sh start)"; …; scripts/azurite.sh stop "$AZURITE_PID" "$AZURITE_DATA"
# AZURITE_IN_MEMORY=1 keeps its data in memory only (no periodic save of the whole store: large benchmarks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

start() {
  if [ ! -x "$root/node_modules/.bin/azurite" ]; then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  local data ports bp qp tp account key pid
  data=$(mktemp -d "${TMPDIR:-/tmp}/azurite.XXXXXX")
  # Three ports the kernel says are free right now.
  ports=$(node -e '
    const net = require("net");
    const take = () => new Promise(r => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
    (async () => { const a = []; while (a.length < 3) { const p = await take(); if (!a.includes(p)) a.push(p); } console.log(a.join(" ")); })();')
  read -r bp qp tp <<<"$ports"
  account="pipeline$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
  key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  local extra=(--location "$data")
  if [ "${AZURITE_IN_MEMORY:-0}" = 1 ]; then extra=(--inMemoryPersistence); fi
  AZURITE_ACCOUNTS="$account:$key" nohup "$root/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableProductStyleUrl "${extra[@]}" \
    --blobHost 127.0.0.1 --blobPort "$bp" --queueHost 127.0.0.1 --queuePort "$qp" \
    --tableHost 127.0.0.1 --tablePort "$tp" >"$data/azurite.log" 2>&1 </dev/null &
  pid=$!
  local deadline=$((SECONDS + 60)) port
  for port in "$bp" "$qp" "$tp"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
        echo "Azurite did not start; its log:" >&2
        cat "$data/azurite.log" >&2 || true
        kill "$pid" 2>/dev/null || true
        exit 1
      fi
      sleep 0.2
    done
  done
  printf "export AZURITE_PID='%s'\n" "$pid"
  printf "export AZURITE_DATA='%s'\n" "$data"
  printf "export PIPELINE_STORAGE_CONNECTION='DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/%s;QueueEndpoint=http://127.0.0.1:%s/%s;TableEndpoint=http://127.0.0.1:%s/%s'\n" \
    "$account" "$key" "$bp" "$account" "$qp" "$account" "$tp" "$account"
}

stop() {
  local pid=${1:?usage: azurite.sh stop PID [DATA]} data=${2:-}
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  case "$data" in
    "${TMPDIR:-/tmp}"/azurite.*) rm -rf "$data" ;;
  esac
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start | stop PID [DATA]" >&2; exit 2 ;;
esac
