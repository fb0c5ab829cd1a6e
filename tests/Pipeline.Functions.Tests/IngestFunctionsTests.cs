using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Findings;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

namespace Pipeline.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class IngestFunctionsTests(AzuriteFixture azurite)
{
    /// <summary>This test's one time window (a new class instance per test).</summary>
    private readonly CancellationToken Timeout = TestTimeout.Start(TimeSpan.FromMinutes(2));

    [Fact]
    public void Blob_trigger_is_an_event_grid_trigger_on_incoming_over_the_PipelineStorage_connection()
    {
        var parameter = typeof(IngestFunctions).GetMethod(nameof(IngestFunctions.IngestBlob))!.GetParameters()[0];
        var trigger = parameter.GetCustomAttribute<BlobTriggerAttribute>()!;

        Assert.Equal("%Pipeline:Storage:IncomingContainer%/{name}", trigger.BlobPath);
        Assert.Equal(BlobTriggerSource.EventGrid, trigger.Source);
        Assert.Equal("PipelineStorage", trigger.Connection);
        Assert.Equal("IngestBlob", typeof(IngestFunctions).GetMethod(nameof(IngestFunctions.IngestBlob))!.GetCustomAttribute<FunctionAttribute>()!.Name);
    }

    [Fact]
    public void Reconciliation_runs_on_a_quarter_hour_timer_through_the_durable_client()
    {
        var method = typeof(ReconcileTimer).GetMethod(nameof(ReconcileTimer.Run))!;
        var parameters = method.GetParameters();

        Assert.Equal("ReconcileTimer", method.GetCustomAttribute<FunctionAttribute>()!.Name);
        Assert.Equal("0 */15 * * * *", parameters[0].GetCustomAttribute<TimerTriggerAttribute>()!.Schedule);
        Assert.NotNull(parameters[1].GetCustomAttribute<DurableClientAttribute>());
    }

    [Fact]
    public void Label_qa_starts_by_a_post_to_the_batch_route_through_the_durable_client()
    {
        var method = typeof(LabelQaHttp).GetMethod(nameof(LabelQaHttp.StartLabelQa))!;
        var trigger = method.GetParameters()[0].GetCustomAttribute<HttpTriggerAttribute>()!;

        Assert.Equal("batches/{batch}/label-qa", trigger.Route);
        Assert.Equal(["post"], trigger.Methods!);
        Assert.Equal(AuthorizationLevel.Function, trigger.AuthLevel);
        Assert.NotNull(method.GetParameters()[2].GetCustomAttribute<DurableClientAttribute>());
    }

    [Fact]
    public async Task The_seal_marker_starts_the_batch_label_qa_instead_of_being_ingested()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("s/coco.json", System.Text.Encoding.UTF8.GetBytes("{\"images\": [], \"categories\": [{\"id\": 1, \"name\": \"cat\"}], \"annotations\": []}"));
        await storage.UploadAsync("s/_SEALED", []);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await DurableTestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        var function = new IngestFunctions(storage.Ingest, storage.Locks, Microsoft.Extensions.Options.Options.Create(storage.Options));

        await function.IngestBlob(storage.Incoming.GetBlobClient("s/_SEALED"), host.Client, timeout.Token);

        var done = await host.Client.WaitForInstanceCompletionAsync(Pipeline.Workflows.Labels.LabelQaOrchestration.InstanceIdFor("s"), getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.True(await storage.Reports.GetBlobClient("s/qa.json").ExistsAsync());
        Assert.Equal(["s/coco.json"], (await storage.CatalogRowsAsync()).Select(r => r.GetString("Name"))); // the marker has no row
        // Told as what it is, not as a redelivery of a judged file.
        var outcome = await storage.Ingest.IngestAsync("s/_SEALED", timeout.Token);
        Assert.Equal((true, false, null), (outcome.SealMarker, outcome.Redelivery, outcome.Entry));
    }

    [Fact]
    public async Task Calling_the_trigger_ingests_the_blob()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/photo.jpg", TestFiles.Jpeg());
        var function = new IngestFunctions(storage.Ingest, storage.Locks, Microsoft.Extensions.Options.Options.Create(storage.Options));

        await function.IngestBlob(storage.Incoming.GetBlobClient("b/photo.jpg"), null!, Timeout); // a file: the durable client is not used

        Assert.Equal(IngestStatus.Accepted, (await storage.Catalog.GetAsync("b/photo.jpg", Timeout))!.Value.Status);
        Assert.Single(await storage.ListAsync(storage.Staging));
    }

    [Fact]
    public async Task A_malformed_file_never_throws_out_of_the_trigger()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/cut.png", TestFiles.Truncate(TestFiles.Png()));
        var function = new IngestFunctions(storage.Ingest, storage.Locks, Microsoft.Extensions.Options.Options.Create(storage.Options));

        await function.IngestBlob(storage.Incoming.GetBlobClient("b/cut.png"), null!, Timeout); // no exception

        var entry = (await storage.Catalog.GetAsync("b/cut.png", Timeout))!.Value;
        Assert.Equal(IngestStatus.Rejected, entry.Status);
        Assert.Contains(entry.Findings, f => f.Code == FindingCodes.ImageTruncated);
    }

    [Fact]
    public async Task A_poison_message_leaves_a_failed_catalog_row()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/p.jpg", TestFiles.Jpeg());
        var function = new IngestFunctions(storage.Ingest, storage.Locks, Microsoft.Extensions.Options.Options.Create(storage.Options));
        var message = JsonSerializer.Serialize(new IngestFunctions.PoisonMessage("Host.Functions.IngestBlob", "BlockBlob", storage.Options.IncomingContainer, "b/p.jpg", "\"0x1\""));
        var elsewhere = JsonSerializer.Serialize(new IngestFunctions.PoisonMessage("Host.Functions.IngestBlob", "BlockBlob", "incoming-2", "b/q.jpg", "\"0x1\""));

        await function.IngestPoison(message, Timeout);
        await function.IngestPoison(elsewhere, Timeout);

        var entry = (await storage.Catalog.GetAsync("b/p.jpg", Timeout))!.Value;
        Assert.Equal(IngestStatus.Failed, entry.Status);
        Assert.Equal(FindingCodes.IngestPoison, Assert.Single(entry.Findings).Code);
        Assert.Null(await storage.Catalog.GetAsync("b/q.jpg", Timeout)); // another container's blob is not ours
    }
}
