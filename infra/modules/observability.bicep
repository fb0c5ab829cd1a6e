// What operators look at and what wakes them: the pipeline's workbook over Application Insights, and alert rules
// for ingest failures, poison messages (ingest gave up, or Event Grid dead-lettered), stale datasets, drift and
// stuck orchestrations. Queries read the metrics the app emits (docs/observability.md names each one).
@description('Application Insights component the workbook and the log alerts read.')
param applicationInsightsId string
@description('Event Grid system topic whose dead-lettered deliveries are poison messages.')
param eventGridTopicName string
@description('Orchestrations running longer than this many hours count as stuck (the app reports them hourly).')
param stuckOrchestrationHours int
@description('Where alerts are sent; empty: alerts fire in the portal only.')
param alertEmail string = ''
param location string
param tags object

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' existing = {
  name: eventGridTopicName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-pipeline'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'pipeline'
    enabled: true
    emailReceivers: [
      { name: 'operators', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

var actions = empty(alertEmail) ? [] : [actionGroup.id]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'pipeline-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'CV DataOps pipeline'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(loadJsonContent('../workbooks/pipeline.workbook.json'))
  }
}

// One log alert per signal: the query sums a metric over the window; any count above zero fires.
var logAlerts = [
  {
    name: 'ingest-failures'
    description: 'Uploads ingest could not judge (outcome failed) in the last hour.'
    severity: 1
    window: 'PT1H'
    query: 'customMetrics | where name == "pipeline.ingest.images" and tostring(customDimensions["pipeline.outcome"]) == "failed" | summarize total = sum(valueSum)'
  }
  {
    name: 'poison-messages'
    description: 'Ingest gave up on an upload after every retry (finding ingest.poison).'
    severity: 1
    window: 'PT1H'
    query: 'customMetrics | where name == "pipeline.ingest.findings" and tostring(customDimensions["pipeline.finding.code"]) == "ingest.poison" | summarize total = sum(valueSum)'
  }
  {
    name: 'stale-dataset'
    description: 'A dataset received no new images or labels within its expected cadence (health.freshness.*).'
    severity: 2
    window: 'PT2H'
    query: 'customMetrics | where name == "pipeline.dataset.health.findings" and tostring(customDimensions["pipeline.finding.code"]) startswith "health.freshness" | summarize total = sum(valueSum)'
  }
  {
    name: 'data-drift'
    description: 'A batch awaiting promotion drifted from production in its classes or quality (health.drift.*).'
    severity: 2
    window: 'PT2H'
    query: 'customMetrics | where name == "pipeline.dataset.health.findings" and tostring(customDimensions["pipeline.finding.code"]) startswith "health.drift" | summarize total = sum(valueSum)'
  }
  {
    name: 'stuck-orchestrations'
    description: 'Orchestrations running or pending for more than ${stuckOrchestrationHours} hours (promotions waiting for approval excluded).'
    severity: 2
    window: 'PT2H'
    query: 'customMetrics | where name == "pipeline.orchestrations.stuck" | summarize total = max(value)'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in logAlerts: {
  name: 'alert-pipeline-${alert.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Pipeline: ${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: alert.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Total'
          metricMeasureColumn: 'total'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: actions }
  }
}]

// Event Grid gave up delivering a BlobCreated event to ingest and dead-lettered it: an upload nobody judged.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-pipeline-dead-lettered-events'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid dead-lettered blob events (poison messages); reconciliation ingests the blobs, the dead-letter container says why.'
    severity: 1
    enabled: true
    scopes: [topic.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          metricName: 'DeadLetteredCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [for id in actions: { actionGroupId: id }]
  }
}

output workbookId string = workbook.id
output alertNames array = [for (alert, i) in logAlerts: alerts[i].name]
