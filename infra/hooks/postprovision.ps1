# azd postprovision hook (Windows). Writes functions/Pipeline.Functions/local.settings.json so that the
# function app, run locally, works on the deployed storage account with your own Entra identity
# (DefaultAzureCredential: `az login` or `azd auth login`); no key is written anywhere.
# The Functions host's own state stays in Azurite. Parity: postprovision.sh.
$ErrorActionPreference = 'Stop'

foreach ($name in 'AZURE_STORAGE_BLOB_ENDPOINT', 'AZURE_STORAGE_QUEUE_ENDPOINT', 'AZURE_STORAGE_TABLE_ENDPOINT', 'PIPELINE_TASK_HUB') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: run through azd, which sets the environment outputs." }
}

$target = 'functions/Pipeline.Functions/local.settings.json'
$settings = [ordered]@{
    IsEncrypted = $false
    Values      = [ordered]@{
        FUNCTIONS_WORKER_RUNTIME            = 'dotnet-isolated'
        AzureWebJobsStorage                 = 'UseDevelopmentStorage=true'
        PipelineStorage__blobServiceUri     = $env:AZURE_STORAGE_BLOB_ENDPOINT
        PipelineStorage__queueServiceUri    = $env:AZURE_STORAGE_QUEUE_ENDPOINT
        PipelineStorage__tableServiceUri    = $env:AZURE_STORAGE_TABLE_ENDPOINT
        PipelineTaskHub                     = "$($env:PIPELINE_TASK_HUB)local"
        Pipeline__Storage__CreateIfMissing  = 'false'
    }
}
$settings | ConvertTo-Json -Depth 4 | Set-Content -Path $target -Encoding utf8
Write-Host "Wrote $target for the deployed storage account (identity-based; sign in with 'az login')."
