#!/bin/sh
# azd postdeploy hook (POSIX). Creates or updates the Event Grid subscription that delivers BlobCreated
# events for the incoming container to the IngestBlob function. It runs after the code is deployed,
# because the webhook needs the blob extension's system key, which the host creates on its first start:
# the hook waits for that key (never printing it), then deploys infra/modules/event-grid-subscription.bicep.
# Safe to run again: the deployment is idempotent. Parity: postdeploy.ps1.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd, which sets the environment outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${AZURE_EVENT_GRID_TOPIC_NAME:?}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?}"
: "${AZURE_DEAD_LETTER_CONTAINER:?}"
attempts=${PIPELINE_KEY_WAIT_ATTEMPTS:-36}

echo "Waiting for the blob extension key of $AZURE_FUNCTION_APP_NAME..."
tries=0
while :; do
  present=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension != null" --output tsv 2>/dev/null || true)
  [ "$present" = "true" ] && break
  tries=$((tries + 1))
  if [ "$tries" -ge "$attempts" ]; then
    echo "The blobs_extension key did not appear; is the IngestBlob function deployed? Run 'azd deploy' again." >&2
    exit 1
  fi
  sleep 10
done

az deployment group create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name incoming-blob-created \
  --template-file infra/modules/event-grid-subscription.bicep \
  --parameters topicName="$AZURE_EVENT_GRID_TOPIC_NAME" functionAppName="$AZURE_FUNCTION_APP_NAME" \
    storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" deadLetterContainerName="$AZURE_DEAD_LETTER_CONTAINER" \
  --output none
echo "Event Grid subscription 'incoming-blob-created' is in place: uploads to incoming/ now trigger ingest."
