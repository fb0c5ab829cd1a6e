@description('Virtual network name.')
param name string
param location string
param tags object
@description('Storage account reached through private endpoints.')
param storageAccountId string

var storageServices = ['blob', 'queue', 'table']

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.42.0.0/16'] }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.42.1.0/24'
          delegations: [{ name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.42.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for service in storageServices: {
    name: 'privatelink.${service}.${environment().suffixes.storage}'
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [
  for (service, i) in storageServices: {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: { id: vnet.id }
    }
  }
]

resource endpoints 'Microsoft.Network/privateEndpoints@2024-01-01' = [
  for service in storageServices: {
    name: '${name}-${service}'
    location: location
    tags: tags
    properties: {
      subnet: { id: vnet.properties.subnets[1].id }
      privateLinkServiceConnections: [
        {
          name: service
          properties: {
            privateLinkServiceId: storageAccountId
            groupIds: [service]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = [
  for (service, i) in storageServices: {
    parent: endpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [{ name: service, properties: { privateDnsZoneId: zones[i].id } }]
    }
  }
]

output appSubnetId string = vnet.properties.subnets[0].id
