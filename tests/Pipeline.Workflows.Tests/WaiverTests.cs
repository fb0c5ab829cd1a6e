using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core;
using Pipeline.Core.Datasets;
using Pipeline.Core.Gates;
using Pipeline.Core.Reviews;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>Reviewers' waivers through a real promotion: the gate leaves out what they cover while they last, and says so.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WaiverTests(AzuriteFixture azurite)
{
    private const string Dataset = PromotionTestData.Dataset;

    [Fact]
    public async Task A_waived_label_error_lets_the_promotion_through_is_named_in_the_gate_and_lineage_and_counts_again_once_expired()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await PromotionTestData.IngestOutOfBoundsBoxAsync(storage, "qa", timeout.Token);
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        var (qaId, _) = await Labels.LabelQaStarter.StartAsync(host.Client, storage.Locks, "qa", timeout.Token);
        await host.Client.WaitForInstanceCompletionAsync(qaId, timeout.Token);
        var store = storage.Services.GetRequiredService<IReviewStore>();
        var api = new ReviewApi(store, TimeProvider.System);

        // An expired waiver (written straight to the store: the API refuses an end in the past) changes nothing.
        var past = DateTimeOffset.UtcNow.AddDays(-1);
        await store.PutAsync(new ReviewDecision(Dataset, ReviewRules.IdOf("label.*", "batch", "qa"), "label.*", "batch", "qa", ReviewDecisions.Waived, "old", "ana", past.AddDays(-30), past), timeout.Token);
        var blocked = await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var blockedGate = await GateResultAsync(storage, 1); // the next plan of version 1 replaces it
        var put = await api.PutAsync(Dataset, new ReviewRequest("label.box_out_of_bounds", "batch", "qa", ReviewDecisions.Waived, "the box is the crop's, by design", DateTimeOffset.UtcNow.AddDays(30), "ana"), timeout.Token);
        var published = await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);

        Assert.Equal(PromotionOutcomes.GateFailed, blocked.Outcome);
        Assert.Null(blockedGate.Waived); // the expired waiver is not in force
        Assert.Equal(200, put.Status);
        Assert.Equal(PromotionOutcomes.Published, published.Outcome);
        var gate = await GateResultAsync(storage, 1);
        Assert.True(gate.Passed);
        var use = Assert.Single(gate.Waived!);
        Assert.Equal(("label.box_out_of_bounds", "batch", "qa", 1, "ana"), (use.Code, use.Scope, use.Subject, use.Findings, use.By));
        var complete = (await PromotionTests.LineageEventsAsync(storage, "promote")).Last(e => e.GetProperty("eventType").GetString() == "COMPLETE");
        var facet = complete.GetProperty("inputs")[0].GetProperty("inputFacets").GetProperty("waivers").GetProperty("waivers")[0];
        Assert.Equal(("label.box_out_of_bounds", 1, "the box is the crop's, by design"), (facet.GetProperty("code").GetString(), facet.GetProperty("findings").GetInt32(), facet.GetProperty("reason").GetString()));

        var report = await storage.Services.GetRequiredService<Pipeline.Core.Reports.ReportService>().VersionAsync(Dataset, 1, timeout.Token);
        Assert.Matches("data-testid=\"waivers\".*<td>label.box_out_of_bounds</td><td>batch qa</td><td>1</td><td>the box is the crop&#x27;s, by design</td><td>ana</td>", report);

        var listed = JsonSerializer.SerializeToElement((await api.ListAsync(Dataset, timeout.Token)).Body, PipelineJson.Options).GetProperty("reviews");
        Assert.Equal(
            [("label.*", "expired"), ("label.box_out_of_bounds", "active")],
            listed.EnumerateArray().Select(r => (r.GetProperty("code").GetString(), r.GetProperty("state").GetString())));
    }

    private static async Task<GateResult> GateResultAsync(TestStorage storage, int version) =>
        JsonSerializer.Deserialize<GateResult>(
            (await storage.Reports.GetBlobClient(PromotionService.GateResultName(PromotionService.WorkFolder(Dataset, version))).DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
}
