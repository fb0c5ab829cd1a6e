using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Pipeline.Core.Health;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>Health checks reuse a batch's profile until storage says one of its rows changed.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HealthProfileCacheTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task A_batch_changed_since_a_moment_is_told_by_storage_timestamps_including_a_recheck()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b1/a.jpg", TestFiles.Jpeg());
        await storage.Ingest.IngestAsync("b1/a.jpg", testTimeout);
        var now = DateTimeOffset.UtcNow;

        Assert.True(await storage.Catalog.ChangedSinceAsync("b1", now.AddMinutes(-2), testTimeout));
        Assert.False(await storage.Catalog.ChangedSinceAsync("b1", now.AddMinutes(2), testTimeout));
        Assert.False(await storage.Catalog.ChangedSinceAsync("nothing-here", now.AddMinutes(-2), testTimeout));

        // A backfill's merge is a change too (storage stamps the row anew, and the query reads storage's stamp, not
        // a clock of ours: no waiting needed); the ingest columns stay as they were.
        var before = (await storage.Catalog.GetAsync("b1/a.jpg", testTimeout))!.Value;
        var ingested = Assert.Single(await storage.CatalogRowsAsync());
        await storage.Catalog.RecordRecheckAsync("b1/a.jpg", new ImageRecheck("r1-test", DateTimeOffset.UtcNow, [Finding.Warning(FindingCodes.ImageBlurry, "blurry")], IngestStatus.Accepted), testTimeout);
        var rechecked = Assert.Single(await storage.CatalogRowsAsync());
        Assert.NotEqual(ingested.ETag, rechecked.ETag);
        Assert.True(rechecked.Timestamp >= ingested.Timestamp);
        Assert.True(await storage.Catalog.ChangedSinceAsync("b1", rechecked.Timestamp!.Value.AddSeconds(-1), testTimeout));
        Assert.False(await storage.Catalog.ChangedSinceAsync("b1", rechecked.Timestamp!.Value.AddSeconds(1), testTimeout));
        var after = (await storage.Catalog.GetAsync("b1/a.jpg", testTimeout))!.Value;
        Assert.Equal(before.Findings.Select(f => f.Code), after.Findings.Select(f => f.Code));
        Assert.Equal("r1-test", after.Recheck!.Rules);
        Assert.Equal([FindingCodes.ImageBlurry], after.CurrentFindings.Select(f => f.Code));
    }

    [Fact]
    public async Task A_cached_batch_profile_is_reused_until_a_row_of_the_batch_is_newer_than_it()
    {
        // The check's clock runs ahead of the rows' writes, so the rows are older than the profile it builds.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var storage = azurite.CreateStorage(services: s => s.AddSingleton<TimeProvider>(clock));
        await storage.UploadAsync("b1/a.jpg", TestFiles.Jpeg(), "cats");
        await storage.Ingest.IngestAsync("b1/a.jpg", testTimeout);
        var health = storage.Services.GetRequiredService<HealthService>();
        var profiles = storage.Reports.GetBlobClient(HealthService.BatchProfilesName("cats"));

        await health.CheckAsync("cats", testTimeout);
        var cached = JsonSerializer.Deserialize<Dictionary<string, BatchProfile>>((await profiles.DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!["b1"];

        // Reused: a profile edited in storage is what the next check sees (and it is not written again).
        var edited = cached with { NewestImageAt = cached.NewestImageAt!.Value.AddDays(-3) };
        await profiles.UploadAsync(BinaryData.FromObjectAsJson(new Dictionary<string, BatchProfile> { ["b1"] = edited }, PipelineJson.Options), overwrite: true);
        var etag = (await profiles.GetPropertiesAsync()).Value.ETag;
        Assert.Equal(72, (await health.CheckAsync("cats", testTimeout)).Freshness.ImageAgeHours!.Value, 0);
        Assert.Equal(etag, (await profiles.GetPropertiesAsync()).Value.ETag);

        // Rebuilt: once a row is newer than the profile (here: the profile is made older than the rows).
        await profiles.UploadAsync(BinaryData.FromObjectAsJson(new Dictionary<string, BatchProfile> { ["b1"] = edited with { ComputedAt = edited.ComputedAt.AddHours(-1) } }, PipelineJson.Options), overwrite: true);
        Assert.True((await health.CheckAsync("cats", testTimeout)).Freshness.ImageAgeHours < 1);
    }
}
