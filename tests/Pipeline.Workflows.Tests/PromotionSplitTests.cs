using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>A dataset that comes with its own split (VOC ImageSets, YOLO lists and folders) is published with it, not re-split.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromotionSplitTests(AzuriteFixture azurite)
{
    private const string Dataset = PromotionTestData.Dataset;

    [Theory]
    [InlineData("voc")]
    [InlineData("darknet")]
    [InlineData("roboflow-yolo")]
    [InlineData("ultralytics-lists")]
    public async Task A_dataset_that_gives_its_own_splits_is_published_with_them_and_a_later_batch_without_lists_does_not_redraw_them(string layout)
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        var dataset = layout switch
        {
            "voc" => NativeLayouts.VocDevkit(), "darknet" => NativeLayouts.DarknetYolo(), "ultralytics-lists" => NativeLayouts.UltralyticsLists(), _ => NativeLayouts.RoboflowYolo(),
        };
        foreach (var (path, bytes) in dataset.Files)
        {
            await storage.UploadAsync("b1/" + path, bytes, Dataset);
            await storage.Ingest.IngestAsync("b1/" + path, CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        var versions = storage.Services.GetRequiredService<DatasetVersions>();

        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var first = await PromotionTests.ManifestAsync(storage, 1, timeout.Token);

        var expected = dataset.ImageSplits!;
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), first.Select(e => KeyValuePair.Create(e.FileName, e.Split)).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.All(first, e => Assert.Equal(ManifestEntry.SplitFromDataset, e.SplitFrom));
        var v1 = (await versions.GetAsync(Dataset, 1, timeout.Token))!;
        Assert.Equal(expected.Count, v1.Counts.SplitByDataset);
        Assert.Equal(expected.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()).OrderBy(e => e.Key), v1.Counts.Splits.OrderBy(e => e.Key));

        // A second batch with no lists: its images take the gate's ratios; the first batch's keep the dataset's split.
        await PromotionTestData.IngestBatchAsync(storage, "b2", 4, seed: 500);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var second = await PromotionTests.ManifestAsync(storage, 2, timeout.Token);

        Assert.Equal(first.Select(e => (e.FileName, e.Split, e.SplitFrom)).Order(), second.Where(e => e.Source.StartsWith("b1/", StringComparison.Ordinal)).Select(e => (e.FileName, e.Split, e.SplitFrom)).Order());
        var added = second.Where(e => e.Source.StartsWith("b2/", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, added.Count);
        Assert.All(added, e => Assert.Equal((SplitRatios.Default.Assign(e.OriginalSha256), (string?)null), (e.Split, e.SplitFrom)));
        Assert.Equal(expected.Count, (await versions.GetAsync(Dataset, 2, timeout.Token))!.Counts.SplitByDataset);
    }
}
