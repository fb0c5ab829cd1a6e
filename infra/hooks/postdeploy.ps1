# azd postdeploy hook (Windows). Creates or updates the Event Grid subscription that delivers BlobCreated
# events for the incoming container to the IngestBlob function. It runs after the code is deployed,
# because the webhook needs the blob extension's system key, which the host creates on its first start:
# the hook waits for that key (never printing it), then deploys infra/modules/event-grid-subscription.bicep.
# Safe to run again: the deployment is idempotent. Parity: postdeploy.sh.
$ErrorActionPreference = 'Stop'

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_EVENT_GRID_TOPIC_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'AZURE_DEAD_LETTER_CONTAINER') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: run through azd, which sets the environment outputs." }
}
$attempts = if ($env:PIPELINE_KEY_WAIT_ATTEMPTS) { [int]$env:PIPELINE_KEY_WAIT_ATTEMPTS } else { 36 }

Write-Host "Waiting for the blob extension key of $($env:AZURE_FUNCTION_APP_NAME)..."
$tries = 0
while ($true) {
    $present = az functionapp keys list --resource-group $env:AZURE_RESOURCE_GROUP --name $env:AZURE_FUNCTION_APP_NAME `
        --query "systemKeys.blobs_extension != null" --output tsv 2>$null
    if ($present -eq 'true') { break }
    $tries++
    if ($tries -ge $attempts) { throw "The blobs_extension key did not appear; is the IngestBlob function deployed? Run 'azd deploy' again." }
    Start-Sleep -Seconds 10
}

az deployment group create `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --name incoming-blob-created `
    --template-file infra/modules/event-grid-subscription.bicep `
    --parameters topicName=$env:AZURE_EVENT_GRID_TOPIC_NAME functionAppName=$env:AZURE_FUNCTION_APP_NAME `
        storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME deadLetterContainerName=$env:AZURE_DEAD_LETTER_CONTAINER `
    --output none
if ($LASTEXITCODE -ne 0) { throw "The Event Grid subscription deployment failed." }
Write-Host "Event Grid subscription 'incoming-blob-created' is in place: uploads to incoming/ now trigger ingest."
