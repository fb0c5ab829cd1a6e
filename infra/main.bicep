targetScope = 'subscription'

@description('azd environment name; names and tags derive from it.')
@minLength(1)
@maxLength(48)
param environmentName string

@description('Azure region for every resource.')
@minLength(1)
param location string

@description('Principal id of whoever deploys (azd fills it in); it gets data access to upload and read. Empty to skip.')
param principalId string = ''

@description('Type of that principal: User from a workstation, ServicePrincipal from a pipeline.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Memory per function instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most function instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Put storage behind private endpoints and join the app to a virtual network.')
param enableVirtualNetwork bool = false

@description('Enable version-level immutability (WORM) support on the production container.')
param enableProductionImmutability bool = false

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
@description('Orchestrations running or pending longer than this many hours are reported as stuck and alerted on.')
@minValue(1)
@maxValue(744)
param stuckOrchestrationHours int = 6

@description('E-mail address the alert rules notify; empty: alerts show in the portal only.')
param alertEmail string = ''

var names = {
  resourceGroup: 'rg-${environmentName}'
  storage: 'st${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
  identity: 'id-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  eventGridTopic: 'evgt-${resourceToken}'
  virtualNetwork: 'vnet-${resourceToken}'
  deploymentContainer: 'app-package-${take(resourceToken, 7)}'
  deadLetterContainer: 'deadletter'
  taskHub: 'pipeline${take(resourceToken, 8)}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    deadLetterContainerName: names.deadLetterContainer
    productionImmutability: enableProductionImmutability
    privateNetworking: enableVirtualNetwork
  }
}

module network 'modules/network.bicep' = if (enableVirtualNetwork) {
  scope: rg
  params: {
    name: names.virtualNetwork
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
  }
}

module topic 'modules/event-grid-topic.bicep' = {
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
  }
}

module roles 'modules/role-assignments.bicep' = {
  scope: rg
  dependsOn: [monitoring]
  params: {
    storageAccountName: names.storage
    applicationInsightsName: names.applicationInsights
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
    topicName: names.eventGridTopic
    topicPrincipalId: topic.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module observability 'modules/observability.bicep' = {
  scope: rg
  dependsOn: [topic]
  params: {
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    eventGridTopicName: names.eventGridTopic
    stuckOrchestrationHours: stuckOrchestrationHours
    alertEmail: alertEmail
    location: location
    tags: tags
  }
}

module functionApp 'modules/function-app.bicep' = {
  scope: rg
  params: {
    planName: names.plan
    appName: names.functionApp
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: names.deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    subnetId: enableVirtualNetwork ? network!.outputs.appSubnetId : ''
    taskHubName: names.taskHub
    stuckOrchestrationHours: stuckOrchestrationHours
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_EVENT_GRID_TOPIC_NAME string = topic.outputs.name
output AZURE_DEAD_LETTER_CONTAINER string = names.deadLetterContainer
output PIPELINE_TASK_HUB string = names.taskHub
