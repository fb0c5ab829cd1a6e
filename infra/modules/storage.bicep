@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string
param location string
param tags object

@description('Container the Flex Consumption app is deployed from.')
param deploymentContainerName string

@description('Container Event Grid dead-letters undeliverable BlobCreated events to.')
param deadLetterContainerName string

@description('Turn on version-level immutability (WORM) support on the production container.')
param productionImmutability bool

@description('Reach the account only through private endpoints.')
param privateNetworking bool

@description('Days deleted blobs and containers stay recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 14

import { incomingContainerName } from 'names.bicep'

var pipelineContainers = [incomingContainerName, 'staging', 'quarantine', 'reports', 'lineage', deadLetterContainerName, deploymentContainerName]
var tableNames = ['catalog', 'contents', 'statistics', 'nearhashes', 'datasets', 'health']

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // With private networking the public endpoint denies everyone but trusted Azure services: Event Grid
    // dead-letters through it with its identity, which a fully disabled endpoint would refuse.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: softDeleteDays }
    containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in pipelineContainers: {
    parent: blobService
    name: container
    properties: { publicAccess: 'None' }
  }
]

// Published dataset versions are never edited in place; with immutability on, storage enforces it.
resource production 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'production'
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: { enabled: productionImmutability }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
