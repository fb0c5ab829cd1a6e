#!/usr/bin/env bash
# The main job, end to end on real storage: `pipeline run` on the bundled samples. It starts Azurite over the
# workspace .pipeline/ here (unless PipelineStorage names a storage account) and a local runner, both stopped
# when it ends with the data kept (a second run of new files publishes version n + 1), uploads samples/ to incoming/{batch}/
# announcing each upload as Event Grid would, ingests and judges every file, seals the batch so label QA
# runs, holds the dataset to its gate, publishes version n of the dataset to production/, and writes the
# HTML reports to out/.
#   scripts/run.sh [FOLDER] [DATASET]      (defaults: samples, samples)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
folder=${1:-samples}
dataset=${2:-samples}

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error
dotnet build tools/Pipeline.Cli -nologo -clp:ErrorsOnly -v:q
exec dotnet tools/Pipeline.Cli/bin/Debug/net10.0/pipeline.dll run "$folder" --dataset "$dataset"
