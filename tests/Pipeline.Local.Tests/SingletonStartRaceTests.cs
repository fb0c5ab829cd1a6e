using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Testing;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local.Tests;

/// <summary>
/// Twenty callers start the same singleton orchestration at the same moment on the runner's real engine (the Durable
/// Task Framework's Azure Storage provider on Azurite): exactly one is told it started it, every other one is refused
/// (409 on the HTTP routes), and the engine's history holds exactly one run. Rounds: <c>PIPELINE_RACE_ROUNDS</c>
/// (default 1; the issue's proof ran 50).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SingletonStartRaceTests(AzuriteFixture azurite)
{
    private const int Callers = 20;

    private static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_RACE_ROUNDS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    /// <summary>Runs <paramref name="start"/> <see cref="Callers"/> times at once, released together.</summary>
    private static async Task<T[]> AllAtOnceAsync<T>(Func<Task<T>> start)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, Callers).Select(async _ =>
        {
            await gate.Task;
            return await start();
        }).ToList();
        gate.SetResult();
        return await Task.WhenAll(callers);
    }

    private static async Task<HttpStatusCode[]> PostAllAtOnceAsync(HttpClient http, string path, CancellationToken cancellationToken) =>
        await AllAtOnceAsync(async () =>
        {
            using var response = await http.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), cancellationToken);
            return response.StatusCode;
        });

    /// <summary>The ExecutionStarted events the engine's history table holds for <paramref name="instanceId"/>.</summary>
    private static async Task<int> RunsInHistoryAsync(TestStorage storage, string taskHub, string instanceId, CancellationToken cancellationToken)
    {
        var history = storage.Tables.GetTableClient(taskHub + "History");
        var runs = 0;
        await foreach (var row in history.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId, select: ["EventType"], cancellationToken: cancellationToken))
        {
            runs += row.GetString("EventType") == "ExecutionStarted" ? 1 : 0;
        }

        return runs;
    }

    private static void AssertOneStarted(HttpStatusCode[] answers, int round)
    {
        Assert.True(
            answers.Count(a => a == HttpStatusCode.Accepted) == 1 && answers.Count(a => a == HttpStatusCode.Conflict) == Callers - 1,
            $"Round {round}: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Count()}× {(int)g.Key}"))}");
    }

    [Fact]
    public async Task Twenty_simultaneous_starts_of_each_singleton_start_exactly_one_run()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage, approval: "always");
        await PromotionTestData.IngestBatchAsync(storage, "b1", 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2 + Rounds));
        var token = timeout.Token;
        string? taskHub = null;
        await using var runner = await TestRunners.StartAsync(storage, token, s => taskHub = s["Pipeline:Local:TaskHub"]);
        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
        var client = runner.Client;
        var dataset = PromotionTestData.Dataset;

        for (var round = 1; round <= Rounds; round++)
        {
            // Promotion: the gate asks for an approval, so the winner is surely still running when the last caller comes.
            AssertOneStarted(await PostAllAtOnceAsync(http, $"datasets/{dataset}/promotions", token), round);
            var promotion = PromoteOrchestration.InstanceIdFor(dataset);
            await OrchestrationWaits.ApprovalAsync(client, dataset, token);
            Assert.Equal(1, await RunsInHistoryAsync(storage, taskHub!, promotion, token));
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"datasets/{dataset}/promotion/reject", new StringContent("""{"approver": "race-test"}""", System.Text.Encoding.UTF8, "application/json"), token)).StatusCode);
            await OrchestrationWaits.CompletedAsync(client, promotion, token, allowFailed: true);

            AssertOneStarted(await PostAllAtOnceAsync(http, "batches/b1/label-qa", token), round);
            var labelQa = Pipeline.Workflows.Labels.LabelQaOrchestration.InstanceIdFor("b1");
            await OrchestrationWaits.CompletedAsync(client, labelQa, token);
            Assert.Equal(1, await RunsInHistoryAsync(storage, taskHub!, labelQa, token));

            AssertOneStarted(await PostAllAtOnceAsync(http, $"datasets/{dataset}/backfill", token), round);
            var backfill = BackfillOrchestration.InstanceIdFor(dataset);
            await OrchestrationWaits.CompletedAsync(client, backfill, token);
            Assert.Equal(1, await RunsInHistoryAsync(storage, taskHub!, backfill, token));

            // The timers' starts have no route: their schedulers, called at once, as twenty timer instances would.
            var health = runner.App.Services.GetRequiredService<HealthScheduler>();
            var healthStarts = await AllAtOnceAsync(async () => (await health.RunAsync(client, token)).Started);
            Assert.True(healthStarts.Count(s => s) == 1, $"Round {round}: {healthStarts.Count(s => s)} health starts");
            await OrchestrationWaits.CompletedAsync(client, HealthOrchestration.InstanceId, token);
            Assert.Equal(1, await RunsInHistoryAsync(storage, taskHub!, HealthOrchestration.InstanceId, token));

            var reconcile = runner.App.Services.GetRequiredService<ReconcileScheduler>();
            var reconcileStarts = await AllAtOnceAsync(() => reconcile.StartAsync(client, token));
            Assert.True(reconcileStarts.Count(s => s is not null) == 1, $"Round {round}: {reconcileStarts.Count(s => s is not null)} reconciliation starts");
            await OrchestrationWaits.CompletedAsync(client, ReconcileScheduler.InstanceId, token);
            Assert.Equal(1, await RunsInHistoryAsync(storage, taskHub!, ReconcileScheduler.InstanceId, token));
        }
    }
}
