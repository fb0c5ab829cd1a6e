@description('System topic name.')
param name string
param location string
param tags object
@description('Storage account whose blob events the topic publishes.')
param storageAccountId string

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: name
  location: location
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
output principalId string = topic.identity.principalId
