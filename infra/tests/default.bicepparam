// Snapshot parameters: the defaults a user gets from `azd up`, deployed from a pipeline (service principal).
using '../main.bicep'

param environmentName = 'pipeline-test'
param location = 'westeurope'
param principalId = '11111111-1111-1111-1111-111111111111'
param principalType = 'ServicePrincipal'
