using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Backfill;
using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Health;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Testing;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>Backfill in the in-process engine on Azurite: new rules over staged and published images, recorded beside the old findings.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BackfillTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    private const string Dataset = PromotionTestData.Dataset;

    [Fact]
    public async Task Stricter_rules_are_recorded_beside_the_ingest_findings_the_gate_verdict_change_is_reported_and_nothing_published_changes()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 5);
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await CheckLabelsAsync(storage.Services.GetRequiredService<LabelQaService>(), "b1"); // b1's label QA under the rules of the day
        var ownQa = (await storage.Reports.GetBlobClient(LabelQaService.ResultName("b1")).DownloadContentAsync()).Value.Content.ToArray();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        // The rules as they were at ingest publish version 1; then the axis cap drops below the pictures' 320 pixels,
        // and a class needs a hundred boxes not to be "few".
        using var strict = new ImageGuard(Options.Create(new ImageGuardOptions { MaxAxis = 300, MaxConcurrentDecodes = 2 }), TimeProvider.System);
        var strictLabels = ActivatorUtilities.CreateInstance<LabelQaService>(storage.Services, Options.Create(new LabelQaOptions { FewSamples = 100 }));
        var backfill = ActivatorUtilities.CreateInstance<BackfillService>(storage.Services, strict, strictLabels);
        var maintenance = new MaintenanceActivities(storage.Services.GetRequiredService<HealthService>(), backfill, storage.Services.GetRequiredService<IDatasetRegistry>());
        await using var host = await TestHosts.StartAsync(
            registry => storage.RegisterWorkflows(registry, labels: new Labels.LabelQaActivities(strictLabels), maintenance: maintenance), timeout.Token);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        await PromotionTestData.IngestBatchAsync(storage, "b2", 2, seed: 100); // staged, not yet published
        var production = await ProductionStateAsync(storage);

        // Chunks of two, one chunk per generation: the orchestration continues as new between chunks.
        var report = await RunAsync(host.Client, new BackfillInput(Dataset, ChunkSize: 2, ChunksPerGeneration: 1), timeout.Token);

        Assert.Equal(backfill.Rules, report.Rules);
        Assert.NotEqual(RulesVersions.Images(new ImageGuardOptions()), report.Rules);
        Assert.Equal((7, 7, 0), (report.Counts.Images, report.Counts.VerdictChanged, report.Counts.Missing));
        Assert.Equal(7, report.Counts.CodesAdded[FindingCodes.ImageDimensionTooLarge]);
        Assert.Equal(5, report.Counts.Examples.Count(e => e.Published == $"{Dataset}@1"));
        Assert.All(report.Counts.Examples, e => Assert.Equal("rejected", e.Verdict));
        var gate = Assert.IsType<GateImpact>(report.Gate);
        Assert.Equal((1, true, false, true), (gate.Version, gate.PassedBefore, gate.PassedAfter, gate.VerdictChanged));
        Assert.Contains("would now fail version 1", report.Summary, StringComparison.Ordinal);

        // Label QA of b1 ran again under the new label rules, beside its own result (b2 was never checked: not run).
        var labels = Assert.IsType<LabelBackfill>(report.Labels);
        Assert.Equal((strictLabels.Rules, 1), (labels.Rules, labels.Batches));
        Assert.Equal(2, labels.More[FindingCodes.LabelFewSamples]);
        Assert.Equal(ownQa, (await storage.Reports.GetBlobClient(LabelQaService.ResultName("b1")).DownloadContentAsync()).Value.Content.ToArray());
        var rechecked = await LabelQaService.ReadCurrentAsync(storage.Services.GetRequiredService<ILabelQaStore>(), "b1", strictLabels.Rules, timeout.Token);
        Assert.Equal((LabelQaService.ResultName("b1", strictLabels.Rules), strictLabels.Rules), (rechecked!.Value.Name, rechecked.Value.Result.Rules));

        // Beside, not instead: the ingest findings stay; the recheck carries the rules' version.
        await foreach (var row in storage.Catalog.ListBatchAsync("b1", timeout.Token))
        {
            if (row.Kind == CatalogKinds.Image)
            {
                Assert.DoesNotContain(row.Findings, f => f.Code == FindingCodes.ImageDimensionTooLarge);
                Assert.Equal((report.Rules, IngestStatus.Rejected), (row.Recheck!.Rules, row.Recheck.Verdict));
                Assert.Contains(row.CurrentFindings, f => f.Code == FindingCodes.ImageDimensionTooLarge);
                Assert.Equal(IngestStatus.Accepted, row.Status);
            }
        }

        // Published versions are never edited: every production blob and the pointer are as they were.
        Assert.Equal(production, await ProductionStateAsync(storage));
        Assert.Equal(1, (await storage.Services.GetRequiredService<IDatasetRegistry>().GetPointerAsync(Dataset, timeout.Token)).Current);

        // The status route shows the finished run; the report and a lineage COMPLETE event are stored.
        var status = await MaintenanceApi.GetBackfillAsync(host.Client, Dataset, timeout.Token);
        var body = Assert.IsType<BackfillStatus>(status.Body);
        Assert.Equal(("Completed", 4, 4), (body.RuntimeStatus, body.Progress!.ChunksDone, body.Progress.Chunks));
        Assert.Contains(BackfillService.ReportName(BackfillService.Folder(Dataset, report.Rules)), await storage.ListAsync(storage.Reports));
        Assert.Contains(await storage.ListAsync(storage.Lineage), n => n.StartsWith("backfill/", StringComparison.Ordinal));

        // Run again under the same rules: the rows answer, nothing is checked twice.
        var checkedAt = (await storage.Catalog.GetAsync("b1/img0.jpg", timeout.Token))!.Value.Recheck!.At;
        var again = await RunAsync(host.Client, new BackfillInput(Dataset), timeout.Token);
        static object Totals(BackfillCounts c) => (c.Images, c.Unchanged, c.Changed, c.VerdictChanged, c.Missing, string.Join(',', c.CodesAdded), string.Join(',', c.CodesRemoved));
        Assert.Equal(Totals(report.Counts), Totals(again.Counts));
        Assert.Equal(checkedAt, (await storage.Catalog.GetAsync("b1/img0.jpg", timeout.Token))!.Value.Recheck!.At);
        Assert.Null(again.Labels); // b1's newest label QA result is already under these rules

        // Promotion decides: the staged batch now carries error findings, and the gate refuses it.
        var next = await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, ["b2"])), timeout.Token);
        Assert.Equal(PromotionOutcomes.GateFailed, next.Outcome);
        Assert.Equal(production, await ProductionStateAsync(storage));
    }

    [Fact]
    public async Task Backfill_refuses_bad_input_and_a_second_start_while_one_runs()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // The backfill's plan is held before it writes anything, so the first run is surely running at the second start.
        var release = new TaskCompletionSource();
        var held = new HeldReports(storage.Services.GetRequiredService<ILabelQaStore>(), release.Task);
        var backfill = ActivatorUtilities.CreateInstance<BackfillService>(storage.Services, (IReportStore)held);
        var maintenance = new MaintenanceActivities(storage.Services.GetRequiredService<HealthService>(), backfill, storage.Services.GetRequiredService<IDatasetRegistry>());
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry, maintenance: maintenance), timeout.Token);
        var api = ActivatorUtilities.CreateInstance<MaintenanceApi>(storage.Services);

        Assert.Equal(400, (await api.StartBackfillAsync(host.Client, "Not A Dataset", null, timeout.Token)).Status);
        Assert.Equal(404, (await api.StartBackfillAsync(host.Client, "nobody", null, timeout.Token)).Status);
        Assert.Equal(400, (await api.StartBackfillAsync(host.Client, Dataset, new BackfillBody(ChunkSize: 0), timeout.Token)).Status);
        Assert.Equal(404, (await MaintenanceApi.GetBackfillAsync(host.Client, Dataset, timeout.Token)).Status);
        Assert.Equal(400, (await api.GetHealthAsync(Dataset, "0", timeout.Token)).Status);
        Assert.Equal(400, (await api.GetHealthAsync(Dataset, "many", timeout.Token)).Status);
        Assert.Equal(404, (await api.CheckHealthAsync("nobody", timeout.Token)).Status);

        var first = await api.StartBackfillAsync(host.Client, Dataset, new BackfillBody(ChunkSize: 1), timeout.Token);
        var second = await api.StartBackfillAsync(host.Client, Dataset, null, timeout.Token);
        release.SetResult();
        Assert.Equal(202, first.Status);
        Assert.Equal(409, second.Status);
        var done = await host.Client.WaitForInstanceCompletionAsync(BackfillOrchestration.InstanceIdFor(Dataset), getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var report = done.ReadOutputAs<BackfillReport>()!;
        Assert.Equal((1, 1, 0), (report.Counts.Images, report.Counts.Unchanged, report.Counts.VerdictChanged));
        Assert.Null(report.Gate); // nothing published yet
    }

    private async Task CheckLabelsAsync(LabelQaService qa, string batch)
    {
        var plan = await qa.PlanAsync(batch, testTimeout);
        for (var i = 0; i < plan.Units.Count; i++)
        {
            await qa.CheckUnitAsync(batch, i, testTimeout);
        }

        await qa.FinishAsync(batch, plan.Units.Count, testTimeout);
    }

    private static async Task<BackfillReport> RunAsync(DurableTaskClient client, BackfillInput input, CancellationToken cancellationToken)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(
            TaskNames.Backfill, input, new StartOrchestrationOptions(BackfillOrchestration.InstanceIdFor(input.Dataset)), cancellationToken);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        return done.ReadOutputAs<BackfillReport>()!;
    }

    /// <summary>The reports store, with every write held until <paramref name="release"/> completes.</summary>
    private sealed class HeldReports(IReportStore inner, Task release) : IReportStore
    {
        public async Task WriteReportAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await release.WaitAsync(cancellationToken);
            await inner.WriteReportAsync(name, content, cancellationToken);
        }

        public Task<byte[]?> ReadReportAsync(string name, CancellationToken cancellationToken) => inner.ReadReportAsync(name, cancellationToken);
    }

    private static async Task<List<string>> ProductionStateAsync(TestStorage storage)
    {
        var state = new List<string>();
        await foreach (var blob in storage.Production.GetBlobsAsync())
        {
            state.Add($"{blob.Name} {blob.Properties.ETag} {Convert.ToHexString(blob.Properties.ContentHash ?? [])}");
        }

        return state;
    }
}
