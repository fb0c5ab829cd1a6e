using System.Text.Json.Nodes;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The security baseline, asserted on the resources the templates expand to (the committed snapshots,
/// which <see cref="TemplateTests"/> holds equal to the templates). One test per rule, named after the
/// PSRule for Azure rule it mirrors where there is one.
/// </summary>
public sealed class SecurityBaselineTests
{
    public static TheoryData<string> Variants() => new("default", "private");

    private static JsonObject Properties(JsonObject resource) => resource["properties"]!.AsObject();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_SecureTransfer(string variant) =>
        Assert.True((bool)Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts"))["supportsHttpsTrafficOnly"]!);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_MinTLS(string variant) =>
        Assert.Equal("TLS1_2", (string)Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts"))["minimumTlsVersion"]!);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_BlobPublicAccess(string variant)
    {
        var snapshot = Snapshot.Load(variant);
        Assert.False((bool)Properties(snapshot.Single("Microsoft.Storage/storageAccounts"))["allowBlobPublicAccess"]!);
        Assert.All(snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"), c => Assert.Equal("None", (string)Properties(c)["publicAccess"]!));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_LocalAuth(string variant)
    {
        var account = Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts"));
        Assert.False((bool)account["allowSharedKeyAccess"]!);
        Assert.True((bool)account["defaultToOAuthAuthentication"]!);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_SoftDelete(string variant)
    {
        var policy = Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts/blobServices"))["deleteRetentionPolicy"]!;
        Assert.True((bool)policy["enabled"]!);
        Assert.InRange((int)policy["days"]!, 7, 365);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_Storage_ContainerSoftDelete(string variant)
    {
        var policy = Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts/blobServices"))["containerDeleteRetentionPolicy"]!;
        Assert.True((bool)policy["enabled"]!);
        Assert.InRange((int)policy["days"]!, 7, 365);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Blob_versioning_is_on(string variant) =>
        Assert.True((bool)Properties(Snapshot.Load(variant).Single("Microsoft.Storage/storageAccounts/blobServices"))["isVersioningEnabled"]!);

    [Theory]
    [InlineData("default", false)]
    [InlineData("private", true)]
    public void Production_immutability_follows_its_parameter(string variant, bool enabled)
    {
        var production = Snapshot.Load(variant).OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Single(c => Snapshot.Name(c).EndsWith("/production", StringComparison.Ordinal));
        Assert.Equal(enabled, (bool)Snapshot.At(production, "properties.immutableStorageWithVersioning.enabled")!);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_pipeline_container_and_table_exists(string variant)
    {
        var snapshot = Snapshot.Load(variant);
        var containers = snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => Snapshot.Name(c).Split('/')[^1]).ToHashSet();
        // The app's defaults (what it reads and writes) and the templates (what Azure gets) name the same things.
        var defaults = new Pipeline.Storage.PipelineStorageOptions();
        foreach (var expected in defaults.Containers.Append("deadletter"))
        {
            Assert.Contains(expected, containers);
        }

        Assert.Contains(containers, c => c.StartsWith("app-package-", StringComparison.Ordinal));
        Assert.Equal(defaults.Tables.Order(StringComparer.Ordinal), snapshot.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(t => Snapshot.Name(t).Split('/')[^1]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_AppService_UseHTTPS(string variant) =>
        Assert.True((bool)Properties(Snapshot.Load(variant).Single("Microsoft.Web/sites"))["httpsOnly"]!);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_AppService_MinTLS(string variant) =>
        Assert.Equal("1.2", (string)Snapshot.At(Snapshot.Load(variant).Single("Microsoft.Web/sites"), "properties.siteConfig.minTlsVersion")!);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_AppService_ManagedIdentity(string variant)
    {
        var site = Snapshot.Load(variant).Single("Microsoft.Web/sites");
        Assert.Equal("UserAssigned", (string)Snapshot.At(site, "identity.type")!);
        Assert.Single(Snapshot.At(site, "identity.userAssignedIdentities")!.AsObject());
        Assert.Equal("UserAssignedIdentity", (string)Snapshot.At(site, "properties.functionAppConfig.deployment.storage.authentication.type")!);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Ftps_and_basic_publishing_credentials_are_disabled(string variant)
    {
        var snapshot = Snapshot.Load(variant);
        Assert.Equal("Disabled", (string)Snapshot.At(snapshot.Single("Microsoft.Web/sites"), "properties.siteConfig.ftpsState")!);
        var policies = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(["ftp", "scm"], policies.Select(p => Snapshot.Name(p).Split('/')[^1]).Order());
        Assert.All(policies, p => Assert.False((bool)Properties(p)["allow"]!));
    }

    [Theory]
    [InlineData("default", 2048, 100)]
    [InlineData("private", 4096, 200)]
    public void The_app_is_flex_consumption_on_dotnet_isolated_10_with_its_scale_parameters(string variant, int memory, int instances)
    {
        var snapshot = Snapshot.Load(variant);
        var plan = snapshot.Single("Microsoft.Web/serverfarms");
        Assert.Equal(("FlexConsumption", "FC1"), ((string)Snapshot.At(plan, "sku.tier")!, (string)Snapshot.At(plan, "sku.name")!));
        var config = Snapshot.At(snapshot.Single("Microsoft.Web/sites"), "properties.functionAppConfig")!;
        Assert.Equal(("dotnet-isolated", "10.0"), ((string)config["runtime"]!["name"]!, (string)config["runtime"]!["version"]!));
        Assert.Equal(memory, (int)config["scaleAndConcurrency"]!["instanceMemoryMB"]!);
        Assert.Equal(instances, (int)config["scaleAndConcurrency"]!["maximumInstanceCount"]!);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_AppInsights_LocalAuth(string variant)
    {
        var snapshot = Snapshot.Load(variant);
        Assert.True((bool)Properties(snapshot.Single("Microsoft.Insights/components"))["DisableLocalAuth"]!);
        Assert.NotNull(Properties(snapshot.Single("Microsoft.Insights/components"))["WorkspaceResourceId"]);
        var settings = Properties(snapshot.Single("Microsoft.Web/sites/config"));
        var authentication = (string)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!;
        Assert.Contains("'ClientId={0};Authorization=AAD'", authentication, StringComparison.Ordinal);
        Assert.Contains("outputs.clientId", authentication, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void No_app_setting_holds_a_secret_or_a_setting_Flex_rejects(string variant)
    {
        var settings = Properties(Snapshot.Load(variant).Single("Microsoft.Web/sites/config"));
        foreach (var (name, value) in settings)
        {
            var text = value!.ToString();
            Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("sig=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("DefaultEndpointsProtocol", text, StringComparison.OrdinalIgnoreCase);
            // APPLICATIONINSIGHTS_CONNECTION_STRING carries only the component's id and endpoints; with local
            // auth disabled it cannot be used without an Entra token, so it is not a secret.
            Assert.True(!name.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || name == "APPLICATIONINSIGHTS_CONNECTION_STRING", name);
        }

        foreach (var managedByFlex in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_NODE_DEFAULT_VERSION", "AzureWebJobsStorage", "PipelineStorage" })
        {
            Assert.False(settings.ContainsKey(managedByFlex), managedByFlex);
        }

        foreach (var connection in new[] { "AzureWebJobsStorage", "PipelineStorage" })
        {
            Assert.Equal("managedidentity", (string)settings[$"{connection}__credential"]!);
            Assert.Contains("outputs.clientId", (string)settings[$"{connection}__clientId"]!, StringComparison.Ordinal);
            foreach (var service in new[] { "blob", "queue", "table" })
            {
                Assert.True(settings.ContainsKey($"{connection}__{service}ServiceUri"), $"{connection}__{service}ServiceUri");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Azure_EventGrid_ManagedIdentity(string variant)
    {
        var topic = Snapshot.Load(variant).Single("Microsoft.EventGrid/systemTopics");
        Assert.Equal("SystemAssigned", (string)Snapshot.At(topic, "identity.type")!);
        Assert.Equal("Microsoft.Storage.StorageAccounts", (string)Properties(topic)["topicType"]!);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("private", false)]
    public void Every_role_assignment_has_exactly_its_scope_role_and_principal(string variant, bool withDeployer)
    {
        const string BlobOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        const string BlobContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
        const string QueueContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        const string TableContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        var expected = new List<string>
        {
            $"storageAccounts|{BlobOwner}|app|ServicePrincipal",
            $"storageAccounts|{QueueContributor}|app|ServicePrincipal",
            $"storageAccounts|{TableContributor}|app|ServicePrincipal",
            $"components|{MetricsPublisher}|app|ServicePrincipal",
            $"containers/deadletter|{BlobContributor}|topic|ServicePrincipal",
        };
        if (withDeployer)
        {
            expected.Add($"storageAccounts|{BlobOwner}|deployer|ServicePrincipal");
            expected.Add($"storageAccounts|{TableContributor}|deployer|ServicePrincipal");
        }

        var actual = Snapshot.Load(variant).OfType("Microsoft.Authorization/roleAssignments").Select(Describe).ToList();

        Assert.Equal(expected.Order(), actual.Order());
    }

    private static string Describe(JsonObject assignment)
    {
        var id = (string)assignment["id"]!;
        var scope = id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];
        var segments = scope.Split('/');
        var scopeKind = segments[^2] == "containers" ? $"containers/{segments[^1]}" : segments[^2];
        var properties = assignment["properties"]!;
        var role = ((string)properties["roleDefinitionId"]!).Split('/')[^1];
        var principal = (string)properties["principalId"]!;
        var who = principal.Contains("'identity-", StringComparison.Ordinal) ? "app"
            : principal.Contains("'topic-", StringComparison.Ordinal) ? "topic"
            : Guid.TryParse(principal, out _) ? "deployer" : "unknown: " + principal;
        return $"{scopeKind}|{role}|{who}|{(string)properties["principalType"]!}";
    }

    [Fact]
    public void Private_networking_closes_storage_to_all_but_trusted_services_and_joins_the_app_to_the_network()
    {
        var snapshot = Snapshot.Load("private");
        var account = Properties(snapshot.Single("Microsoft.Storage/storageAccounts"));
        Assert.Equal("Deny", (string)Snapshot.At(account, "networkAcls.defaultAction")!);
        Assert.Equal("AzureServices", (string)Snapshot.At(account, "networkAcls.bypass")!); // Event Grid's dead-lettering
        Assert.Equal(["blob", "queue", "table"], snapshot.OfType("Microsoft.Network/privateEndpoints")
            .Select(e => (string)Snapshot.At(e, "properties.privateLinkServiceConnections")![0]!["properties"]!["groupIds"]![0]!).Order());
        Assert.Equal(3, snapshot.OfType("Microsoft.Network/privateDnsZones").Count());
        Assert.NotNull(Properties(snapshot.Single("Microsoft.Web/sites"))["virtualNetworkSubnetId"]);

        var open = Snapshot.Load("default");
        Assert.Equal("Allow", (string)Snapshot.At(Properties(open.Single("Microsoft.Storage/storageAccounts")), "networkAcls.defaultAction")!);
        Assert.Empty(open.OfType("Microsoft.Network/virtualNetworks"));
    }
}
