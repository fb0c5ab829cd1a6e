// Deployed by the azd postdeploy hook (infra/hooks/postdeploy.*), not by main.bicep: the webhook needs the
// blob extension's system key, which exists only once the function code is deployed and the host has started.

@description('Event Grid system topic on the storage account.')
param topicName string
@description('Function app whose blob trigger receives the events.')
param functionAppName string
@description('Storage account holding the dead-letter container.')
param storageAccountName string
@description('Container undeliverable events are written to.')
param deadLetterContainerName string = 'deadletter'
@description('Name of the Event Grid-sourced blob trigger function.')
param functionName string = 'IngestBlob'

import { incomingContainerName } from 'names.bicep'

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' existing = {
  name: topicName
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = {
  parent: topic
  name: '${incomingContainerName}-blob-created'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // Write-only in Event Grid: the key is never returned by a read of the subscription.
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${listKeys('${app.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      // The trailing '/blobs/' keeps 'incoming-2' and other look-alike containers out.
      subjectBeginsWith: '/blobServices/default/containers/${incomingContainerName}/blobs/'
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.api'
          values: ['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose']
        }
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    // Keyless dead-lettering: the topic's own identity writes to the dead-letter container.
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: account.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output subscriptionName string = subscription.name
