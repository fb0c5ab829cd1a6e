#!/bin/sh
# azd postprovision hook (POSIX). Writes functions/Pipeline.Functions/local.settings.json so that the
# function app, run locally, works on the deployed storage account with your own Entra identity
# (DefaultAzureCredential: `az login` or `azd auth login`); no key is written anywhere.
# The Functions host's own state stays in Azurite. Parity: postprovision.ps1.
set -eu

: "${AZURE_STORAGE_BLOB_ENDPOINT:?run through azd, which sets the environment outputs}"
: "${AZURE_STORAGE_QUEUE_ENDPOINT:?}"
: "${AZURE_STORAGE_TABLE_ENDPOINT:?}"
: "${PIPELINE_TASK_HUB:?}"

target="functions/Pipeline.Functions/local.settings.json"
cat >"$target" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "PipelineStorage__blobServiceUri": "${AZURE_STORAGE_BLOB_ENDPOINT}",
    "PipelineStorage__queueServiceUri": "${AZURE_STORAGE_QUEUE_ENDPOINT}",
    "PipelineStorage__tableServiceUri": "${AZURE_STORAGE_TABLE_ENDPOINT}",
    "PipelineTaskHub": "${PIPELINE_TASK_HUB}local",
    "Pipeline__Storage__CreateIfMissing": "false"
  }
}
JSON
echo "Wrote $target for the deployed storage account (identity-based; sign in with 'az login')."
