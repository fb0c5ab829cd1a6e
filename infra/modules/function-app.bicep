import { incomingContainerName } from 'names.bicep'

@description('Flex Consumption plan name.')
param planName string
@description('Function app name.')
param appName string
param location string
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
@description('Client id of that identity (identity-based connections name it).')
param identityClientId string

@description('Storage account name; the app reaches it with its identity only.')
param storageAccountName string
@description('Blob endpoint of the storage account.')
param blobEndpoint string
@description('Queue endpoint of the storage account.')
param queueEndpoint string
@description('Table endpoint of the storage account.')
param tableEndpoint string
@description('Container the app package is deployed to.')
param deploymentContainerName string

@description('Application Insights connection string (no key authentication: the app authenticates with its identity).')
param applicationInsightsConnectionString string

@description('Memory per instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Subnet the app joins for outbound traffic; empty for none.')
param subnetId string

@description('Durable Task hub name.')
param taskHubName string
@description('Orchestrations running longer than this many hours are reported as stuck.')
param stuckOrchestrationHours int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }
}

// Identity-based connections only: no connection string, no account key. Flex rejects the settings it
// manages itself (FUNCTIONS_WORKER_RUNTIME, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT*), so none is set.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    PipelineStorage__credential: 'managedidentity'
    PipelineStorage__clientId: identityClientId
    PipelineStorage__blobServiceUri: blobEndpoint
    PipelineStorage__queueServiceUri: queueEndpoint
    PipelineStorage__tableServiceUri: tableEndpoint
    PipelineTaskHub: taskHubName
    Pipeline__Storage__CreateIfMissing: 'false'
    // The blob trigger's path reads this setting (%Pipeline:Storage:IncomingContainer%), as the app does.
    Pipeline__Storage__IncomingContainer: incomingContainerName
    Pipeline__Health__StuckAfterHours: string(stuckOrchestrationHours)
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    STORAGE_ACCOUNT_NAME: storageAccountName
  }
}

resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
