using System.Text.Json.Nodes;

namespace Pipeline.Infra.Tests;

/// <summary>The blob-trigger subscription module (deployed by the postdeploy hook), compiled offline and asserted.</summary>
public sealed class EventGridSubscriptionTests
{
    private static async Task<JsonObject> SubscriptionAsync()
    {
        var (exit, output, error) = await BicepCli.RunAsync("build", "modules/event-grid-subscription.bicep", "--stdout");
        Assert.True(exit == 0, error);
        var resources = JsonNode.Parse(output)!["resources"]!;
        // languageVersion 2.0 templates key resources by symbolic name; classic ones list them.
        var all = resources is JsonArray array ? array.Select(r => r!.AsObject()) : resources.AsObject().Select(p => p.Value!.AsObject());
        return Assert.Single(all, r => (string?)r["type"] == "Microsoft.EventGrid/systemTopics/eventSubscriptions" && r["existing"] is null);
    }

    /// <summary>The value of the imported <c>incomingContainerName</c> in the compiled module.</summary>
    private static async Task<string> IncomingContainerVariableAsync()
    {
        var (exit, output, error) = await BicepCli.RunAsync("build", "modules/event-grid-subscription.bicep", "--stdout");
        Assert.True(exit == 0, error);
        return (string)JsonNode.Parse(output)!["variables"]!["incomingContainerName"]!;
    }

    [Fact]
    public async Task Only_blob_created_events_for_the_incoming_container_are_delivered()
    {
        var filter = (await SubscriptionAsync())["properties"]!["filter"]!;

        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(t => (string)t!));
        // With the trailing "/blobs/", a container named incoming-2 does not match.
        Assert.Equal("[format('/blobServices/default/containers/{0}/blobs/', variables('incomingContainerName'))]", (string)filter["subjectBeginsWith"]!);
        Assert.Equal(TemplateTests.IncomingContainer, await IncomingContainerVariableAsync());
        var api = Assert.Single(filter["advancedFilters"]!.AsArray())!;
        Assert.Equal(("StringIn", "data.api"), ((string)api["operatorType"]!, (string)api["key"]!));
        Assert.Equal(["CopyBlob", "FlushWithClose", "PutBlob", "PutBlockList"], api["values"]!.AsArray().Select(v => (string)v!).Order());
    }

    [Fact]
    public async Task Dead_lettering_is_keyless_through_the_topic_identity()
    {
        var properties = (await SubscriptionAsync())["properties"]!;

        var deadLetter = properties["deadLetterWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", (string)deadLetter["identity"]!["type"]!);
        Assert.Equal("StorageBlob", (string)deadLetter["deadLetterDestination"]!["endpointType"]!);
        Assert.Contains("deadLetterContainerName", (string)deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]!, StringComparison.Ordinal);
        Assert.Null(properties["deadLetterDestination"]); // no key-based destination
        Assert.InRange((int)properties["retryPolicy"]!["maxDeliveryAttempts"]!, 10, 30);
        Assert.Equal(1440, (int)properties["retryPolicy"]!["eventTimeToLiveInMinutes"]!);
    }

    [Fact]
    public async Task The_webhook_is_the_blob_extension_endpoint_of_the_IngestBlob_function()
    {
        var subscription = await SubscriptionAsync();
        var endpoint = (string)subscription["properties"]!["destination"]!["properties"]!["endpointUrl"]!;

        Assert.Equal("WebHook", (string)subscription["properties"]!["destination"]!["endpointType"]!);
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.", endpoint, StringComparison.Ordinal);
        Assert.Contains("systemKeys.blobs_extension", endpoint, StringComparison.Ordinal);
        var template = File.ReadAllText(Path.Combine(BicepCli.Infra, "modules", "event-grid-subscription.bicep"));
        Assert.Contains("param functionName string = 'IngestBlob'", template, StringComparison.Ordinal);
    }
}
