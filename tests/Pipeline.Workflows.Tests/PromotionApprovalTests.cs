using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>Promotions that wait for a person: approve, reject, time out.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromotionApprovalTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_promotion_the_gate_holds_for_approval_waits_for_the_decision(bool approve)
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTests.UseGateWithoutLeakageAsync(storage, approval: "always");
        await PromotionTests.IngestBatchAsync(storage, "b1", 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);
        var (id, _) = await PromotionClient.StartAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTests.Dataset)), timeout.Token);

        var waiting = await OrchestrationWaits.ApprovalAsync(host.Client, PromotionTests.Dataset, timeout.Token);
        var early = await storage.ListAsync(storage.Production);
        var delivered = await PromotionClient.DecideAsync(host.Client, PromotionTests.Dataset, new ApprovalDecision(approve, "alice", "looks right"), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var result = done.ReadOutputAs<PromotionResult>()!;
        var late = await PromotionClient.DecideAsync(host.Client, PromotionTests.Dataset, new ApprovalDecision(true, "bob"), timeout.Token);

        Assert.Empty(early);
        Assert.StartsWith("approval-", waiting.Progress!.ApprovalEvent, StringComparison.Ordinal);
        Assert.Equal(["the gate asks for approval of every promotion"], waiting.Progress.ApprovalReasons);
        Assert.Equal(DecisionOutcome.Delivered, delivered);
        Assert.Equal(DecisionOutcome.NotWaiting, late);
        var versions = storage.Services.GetRequiredService<DatasetVersions>();
        if (approve)
        {
            Assert.Equal(PromotionOutcomes.Published, result.Outcome);
            var approval = (await versions.GetAsync(PromotionTests.Dataset, 1, timeout.Token))!.Approval!;
            Assert.Equal(("approved", "alice", "looks right"), (approval.Decision, approval.By, approval.Comment));
        }
        else
        {
            Assert.Equal(PromotionOutcomes.Rejected, result.Outcome);
            Assert.Contains("alice rejected version 1: looks right", result.Message, StringComparison.Ordinal);
            Assert.Empty(await storage.ListAsync(storage.Production));
            Assert.Empty(await versions.ListAsync(PromotionTests.Dataset, timeout.Token));
        }
    }

    [Fact]
    public async Task A_promotion_nobody_approves_in_time_times_out_and_publishes_nothing()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTests.UseGateWithoutLeakageAsync(storage, approval: "always");
        await PromotionTests.IngestBatchAsync(storage, "b1", 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);

        // Two seconds instead of 72 hours.
        var result = await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTests.Dataset), ApprovalTimeoutHours: 2.0 / 3600), timeout.Token);
        var late = await PromotionClient.DecideAsync(host.Client, PromotionTests.Dataset, new ApprovalDecision(true, "alice"), timeout.Token);

        Assert.Equal(PromotionOutcomes.TimedOut, result.Outcome);
        Assert.Equal(DecisionOutcome.NotWaiting, late);
        Assert.Empty(await storage.ListAsync(storage.Production));
    }

    [Fact]
    public async Task A_rollback_while_a_promotion_waits_fails_the_promotion_rather_than_publishing_over_it()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTests.UseGateWithoutLeakageAsync(storage);
        await PromotionTests.IngestBatchAsync(storage, "b1", 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTests.Dataset)), timeout.Token);
        await PromotionTests.IngestBatchAsync(storage, "b2", 1, seed: 50);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTests.Dataset)), timeout.Token);
        await PromotionTests.IngestBatchAsync(storage, "b3", 1, seed: 90);
        await PromotionTests.UseGateWithoutLeakageAsync(storage, approval: "always");
        var (id, _) = await PromotionClient.StartAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTests.Dataset)), timeout.Token);
        await OrchestrationWaits.ApprovalAsync(host.Client, PromotionTests.Dataset, timeout.Token);
        var versions = storage.Services.GetRequiredService<DatasetVersions>();

        await versions.RollbackAsync(PromotionTests.Dataset, 1, timeout.Token);
        await PromotionClient.DecideAsync(host.Client, PromotionTests.Dataset, new ApprovalDecision(true, "alice"), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("moved while version 3 was being made", done.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, await versions.CurrentAsync(PromotionTests.Dataset, timeout.Token));
        Assert.Equal([1, 2], (await versions.ListAsync(PromotionTests.Dataset, timeout.Token)).Select(v => v.Version));
        var promote = await PromotionTests.LineageEventsAsync(storage, "promote");
        Assert.Equal("FAIL", promote[^1].GetProperty("eventType").GetString());
    }
}
