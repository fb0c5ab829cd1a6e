using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>An instance reuses a large dataset's size sketch for a short while; a small one is read every time; counting stays exact.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SizeSketchReuseTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_large_sketch_is_reused_for_thirty_seconds_a_small_one_never_and_every_size_is_counted()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var storage = azurite.CreateStorage(services: s => s.AddSingleton<TimeProvider>(clock));
        var statistics = storage.Services.GetRequiredService<IDatasetStatistics>();
        var token = TestTimeout.Start();

        // Small: every read sees every add.
        await statistics.AddSizeAsync("small", 'a', 100, token);
        Assert.Equal(1, (await statistics.GetSizesAsync("small", token)).Count);
        await statistics.AddSizeAsync("small", 'b', 100, token);
        Assert.Equal(2, (await statistics.GetSizesAsync("small", token)).Count);

        // Large (written the fast way: one shard holding 1,000 sizes), then one more image.
        for (var i = 0; i < TableDatasetStatistics.ReuseFromCount; i++)
        {
            await statistics.AddSizeAsync("large", (char)('0' + (i % 10)), 100 + (i % 7), token);
        }

        Assert.Equal(TableDatasetStatistics.ReuseFromCount, (await statistics.GetSizesAsync("large", token)).Count);
        await statistics.AddSizeAsync("large", 'f', 300, token);
        clock.Advance(TableDatasetStatistics.SketchReuse - TimeSpan.FromSeconds(1));
        Assert.Equal(TableDatasetStatistics.ReuseFromCount, (await statistics.GetSizesAsync("large", token)).Count);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TableDatasetStatistics.ReuseFromCount + 1, (await statistics.GetSizesAsync("large", token)).Count);
    }
}
