// Snapshot parameters: every option on (private networking, WORM on production, larger instances).
using '../main.bicep'

param environmentName = 'pipeline-private'
param location = 'swedencentral'
param principalId = ''
param instanceMemoryMB = 4096
param maximumInstanceCount = 200
param enableVirtualNetwork = true
param enableProductionImmutability = true
