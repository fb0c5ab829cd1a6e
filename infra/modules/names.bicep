// Names more than one module (and the function app's settings) must agree on, declared once.

@export()
@description('Container uploads land in: the storage account makes it, Event Grid filters on it, the blob trigger and the app read it from the Pipeline__Storage__IncomingContainer setting.')
var incomingContainerName = 'incoming'
