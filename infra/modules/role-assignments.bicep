@description('Storage account the identities act on.')
param storageAccountName string
@description('Application Insights component the app publishes metrics to.')
param applicationInsightsName string
@description('Name of the function app identity (keys the assignments deterministically).')
param appIdentityName string
@description('Principal (object) id of the function app identity.')
param appPrincipalId string
@description('Name of the Event Grid system topic (keys its assignment deterministically).')
param topicName string
@description('Principal id of the Event Grid system topic, which dead-letters into storage.')
param topicPrincipalId string
@description('Principal id of whoever runs the deployment (a user, or a pipeline service principal); empty to skip.')
param deployerPrincipalId string
@description('Type of the deployer principal.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The app: blobs (pipeline data and its own package), queues and tables (Durable Functions' storage provider, the catalog).
var appStorageRoles = [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]
var deployerStorageRoles = empty(deployerPrincipalId) ? [] : [roles.storageBlobDataOwner, roles.storageTableDataContributor]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource deadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: 'deadletter'
}

// Assignment names are derived from resource ids known before deployment, never from principal ids
// that exist only at run time, so what-if can predict them.
var appIdentityId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', appIdentityName)
var topicId = resourceId('Microsoft.EventGrid/systemTopics', topicName)

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource appStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in appStorageRoles: {
    name: guid(account.id, appIdentityId, role)
    scope: account
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource appMetrics 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appIdentityId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// Event Grid writes undeliverable events with its own identity, to the dead-letter container only.
resource topicDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetter.id, topicId, roles.storageBlobDataContributor)
  scope: deadLetter
  properties: {
    principalId: topicPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// The deployer uploads images and reads the catalog with the CLI, keylessly.
resource deployerStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in deployerStorageRoles: {
    name: guid(account.id, deployerPrincipalId, role)
    scope: account
    properties: {
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]
