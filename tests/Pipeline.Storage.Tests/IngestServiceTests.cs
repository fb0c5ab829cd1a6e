using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>Ingest against real storage (Azurite): what lands where, and that nothing else moves.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IngestServiceTests(AzuriteFixture azurite)
{
    /// <summary>This test's one time window (a new class instance per test).</summary>
    private readonly CancellationToken Timeout = TestTimeout.Start(TimeSpan.FromMinutes(2));

    [Fact]
    public async Task Accepted_image_is_staged_under_its_hash_with_one_catalog_row()
    {
        await using var storage = azurite.CreateStorage();
        var jpeg = TestFiles.Jpeg();
        await storage.UploadAsync("b1/cat.jpg", jpeg);

        var outcome = await storage.Ingest.IngestAsync("b1/cat.jpg", Timeout);

        var entry = outcome.Entry!;
        Assert.Equal(IngestStatus.Accepted, entry.Status);
        var sha = ImageGuard.Sha256Hex(jpeg);
        Assert.Equal(sha, entry.Sha256);
        Assert.Equal($"images/{sha}.jpg", entry.StagedPath);
        Assert.Equal(["images/" + sha + ".jpg"], await storage.ListAsync(storage.Staging));
        Assert.Empty(await storage.ListAsync(storage.Quarantine));
        var staged = await storage.Staging.GetBlobClient(entry.StagedPath).DownloadContentAsync();
        Assert.Equal(jpeg, staged.Value.Content.ToArray());
        Assert.Equal("image/jpeg", staged.Value.Details.ContentType);
        Assert.Equal(sha, staged.Value.Details.Metadata["sha256"]);

        var row = Assert.Single(await storage.CatalogRowsAsync());
        Assert.Equal("b1", row.PartitionKey);
        Assert.Equal("accepted", row.GetString("Status"));
        Assert.Equal("b1/cat.jpg", row.GetString("Name"));
        var stored = (await storage.Catalog.GetAsync("b1/cat.jpg", Timeout))!.Value;
        Assert.Equal(320, stored.Width);
        Assert.NotNull(stored.Quality);
        Assert.Equal((await storage.Incoming.GetBlobClient("b1/cat.jpg").GetPropertiesAsync()).Value.ETag.ToString("H"), stored.SourceETag);
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { "zero-byte", "b/empty.jpg", FindingCodes.ImageEmpty },
        { "text", "b/notes.jpg", FindingCodes.ImageUnknownFormat },
        { "truncated-jpeg", "b/cut.jpg", FindingCodes.ImageTruncated },
        { "truncated-png", "b/cut.png", FindingCodes.ImageTruncated },
        { "png-bad-crc", "b/crc.png", FindingCodes.ImageCorrupt },
        { "tiff", "b/scan.tif", FindingCodes.ImageFormatNotAllowed },
        { "bigtiff", "b/scan-big.tif", FindingCodes.ImageFormatNotAllowed },
        { "png-1x500m", "b/tall.png", FindingCodes.ImageTooManyPixels },
        { "jpeg-65535", "b/huge.jpg", FindingCodes.ImageDimensionTooLarge },
        { "gif-300-frames", "b/anim.gif", FindingCodes.ImageTooManyFrames },
    };

    private static byte[] Bad(string kind) => kind switch
    {
        "zero-byte" => [],
        "text" => TestFiles.Text(),
        "truncated-jpeg" => TestFiles.Truncate(TestFiles.Jpeg(640, 480)),
        "truncated-png" => TestFiles.Truncate(TestFiles.Png(640, 480)),
        "png-bad-crc" => TestFiles.PngWithBadCrc(),
        "tiff" => TestFiles.Tiff(),
        "bigtiff" => TestFiles.BigTiff(),
        "png-1x500m" => TestFiles.PngClaiming(1, 500_000_000),
        "jpeg-65535" => TestFiles.JpegClaiming(65535, 65535),
        "gif-300-frames" => TestFiles.Gif(300, 16, 16),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_goes_to_quarantine_with_reasons_and_nothing_else_changes(string kind, string name, string code)
    {
        await using var storage = azurite.CreateStorage();
        var good = TestFiles.Png(seed: 9);
        await storage.UploadAsync("b/good.png", good);
        await storage.Ingest.IngestAsync("b/good.png", Timeout);
        var before = (await storage.ListAsync(storage.Staging), await storage.Catalog.GetAsync("b/good.png", Timeout));
        var bytes = Bad(kind);
        await storage.UploadAsync(name, bytes);

        var entry = (await storage.Ingest.IngestAsync(name, Timeout)).Entry!;

        Assert.Equal(IngestStatus.Rejected, entry.Status);
        var finding = Assert.Single(entry.Findings, f => f.Code == code);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Equal(name, entry.QuarantinePath);
        var copy = await storage.Quarantine.GetBlobClient(name).DownloadContentAsync();
        Assert.Equal(bytes, copy.Value.Content.ToArray());
        var reasons = await ReadReasonsAsync(storage, name);
        Assert.Equal(name, reasons.Name);
        Assert.Contains(reasons.Findings, f => f.Code == code && f.Message.Length > 0);

        // Nothing else moved: the incoming file is intact, staging and the other row are as they were.
        Assert.Equal(bytes, (await storage.Incoming.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(before.Item1, await storage.ListAsync(storage.Staging));
        Assert.Equal(before.Item2!.ETag, (await storage.Catalog.GetAsync("b/good.png", Timeout))!.ETag);
        Assert.Equal(2, (await storage.CatalogRowsAsync()).Count);
    }

    [Fact]
    public async Task File_over_the_size_cap_is_quarantined_by_server_side_copy_without_download()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Images:MaxBytes"] = "100000");
        var big = TestFiles.Noise(150_000);
        await storage.UploadAsync("b/big.jpg", big);

        var entry = (await storage.Ingest.IngestAsync("b/big.jpg", Timeout)).Entry!;

        Assert.Equal(IngestStatus.Rejected, entry.Status);
        var finding = Assert.Single(entry.Findings);
        Assert.Equal((FindingCodes.ImageTooLarge, 150_000d, 100_000d), (finding.Code, finding.Value!.Value, finding.Threshold!.Value));
        Assert.Equal(string.Empty, entry.Sha256); // never read
        Assert.Equal(big, (await storage.Quarantine.GetBlobClient("b/big.jpg").DownloadContentAsync()).Value.Content.ToArray());
        Assert.Empty(await storage.ListAsync(storage.Staging));
    }

    [Fact]
    public async Task The_same_blob_delivered_twice_is_judged_once()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/x.png", TestFiles.Png());

        var first = await storage.Ingest.IngestAsync("b/x.png", Timeout);
        var rowEtag = (await storage.Catalog.GetAsync("b/x.png", Timeout))!.ETag;
        var second = await storage.Ingest.IngestAsync("b/x.png", Timeout);

        Assert.False(first.Redelivery);
        Assert.True(second.Redelivery);
        Assert.Equal(rowEtag, (await storage.Catalog.GetAsync("b/x.png", Timeout))!.ETag); // not rewritten
        Assert.Single(await storage.CatalogRowsAsync());
        Assert.Single(await storage.ListAsync(storage.Staging));
    }

    [Theory]
    [InlineData("b/ten.png", true)]
    [InlineData("b/ten-bad.png", false)]
    public async Task Ten_parallel_deliveries_give_one_row_and_one_stored_blob(string name, bool good)
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync(name, good ? TestFiles.Png(800, 600) : TestFiles.PngWithBadCrc());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => storage.Ingest.IngestAsync(name, Timeout))));

        Assert.All(outcomes, o => Assert.Equal(good ? IngestStatus.Accepted : IngestStatus.Rejected, o.Entry!.Status));
        Assert.Single(await storage.CatalogRowsAsync());
        Assert.Equal(good ? 1 : 0, (await storage.ListAsync(storage.Staging)).Count);
        Assert.Equal(good ? 0 : 2, (await storage.ListAsync(storage.Quarantine)).Count); // the file and its reasons
        Assert.Single(outcomes.Select(o => o.Entry!.Sha256).Distinct());
    }

    [Fact]
    public async Task Overwritten_blob_is_judged_again_and_the_row_records_the_version_read()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/y.jpg", TestFiles.Jpeg(seed: 1));
        var first = (await storage.Ingest.IngestAsync("b/y.jpg", Timeout)).Entry!;

        var replacement = TestFiles.Truncate(TestFiles.Jpeg(seed: 2));
        await storage.UploadAsync("b/y.jpg", replacement);
        var second = await storage.Ingest.IngestAsync("b/y.jpg", Timeout);

        Assert.False(second.Redelivery);
        Assert.NotEqual(first.SourceETag, second.Entry!.SourceETag);
        Assert.Equal((await storage.Incoming.GetBlobClient("b/y.jpg").GetPropertiesAsync()).Value.ETag.ToString("H"), second.Entry.SourceETag);
        Assert.Equal(IngestStatus.Rejected, second.Entry.Status);
        Assert.Equal(ImageGuard.Sha256Hex(replacement), second.Entry.Sha256);
        Assert.Single(await storage.CatalogRowsAsync());
        Assert.Single(await storage.ListAsync(storage.Staging)); // the first version stays staged; content-addressed
    }

    [Fact]
    public async Task Blob_overwritten_between_its_properties_and_its_download_is_read_again_at_the_new_version()
    {
        var overwritten = false;
        TestStorage? holder = null;
        await using var storage = azurite.CreateStorage(services: services => services.AddSingleton<IIngestBlobStore>(sp =>
            new OverwriteOnFirstDownload(
                ActivatorUtilities.CreateInstance<BlobIngestStore>(sp),
                async name =>
                {
                    if (!overwritten)
                    {
                        overwritten = true;
                        await holder!.UploadAsync(name, TestFiles.Png(seed: 5));
                    }
                })));
        holder = storage;
        await storage.UploadAsync("b/race.png", TestFiles.Png(seed: 4));

        var entry = (await storage.Ingest.IngestAsync("b/race.png", Timeout)).Entry!;

        Assert.True(overwritten);
        Assert.Equal(ImageGuard.Sha256Hex(TestFiles.Png(seed: 5)), entry.Sha256);
        Assert.Equal((await storage.Incoming.GetBlobClient("b/race.png").GetPropertiesAsync()).Value.ETag.ToString("H"), entry.SourceETag);
        Assert.Single(await storage.ListAsync(storage.Staging));
    }

    [Fact]
    public async Task Deleted_blob_is_a_no_op()
    {
        await using var storage = azurite.CreateStorage();
        var outcome = await storage.Ingest.IngestAsync("b/never-there.jpg", Timeout);
        Assert.Null(outcome.Entry);
        Assert.Empty(await storage.CatalogRowsAsync());
    }

    [Fact]
    public async Task Same_bytes_under_another_name_are_an_exact_duplicate_sharing_the_first_verdict()
    {
        await using var storage = azurite.CreateStorage();
        var png = TestFiles.Png();
        await storage.UploadAsync("b1/a.png", png);
        await storage.UploadAsync("b2/copy of a.png", png);
        var original = (await storage.Ingest.IngestAsync("b1/a.png", Timeout)).Entry!;

        var copy = (await storage.Ingest.IngestAsync("b2/copy of a.png", Timeout)).Entry!;

        Assert.Equal(IngestStatus.Accepted, copy.Status);
        Assert.Equal("b1/a.png", copy.DuplicateOf);
        var finding = Assert.Single(copy.Findings, f => f.Code == FindingCodes.ImageExactDuplicate);
        Assert.Equal("b1/a.png", finding.Subject);
        Assert.Equal(original.Quality, copy.Quality);
        Assert.Equal(original.StagedPath, copy.StagedPath);
        Assert.Single(await storage.ListAsync(storage.Staging));
        Assert.Equal(2, (await storage.CatalogRowsAsync()).Count);
    }

    [Fact]
    public async Task Same_pixels_in_other_bytes_are_an_exact_duplicate_naming_the_first()
    {
        await using var storage = azurite.CreateStorage();
        using var image = TestFiles.Picture(200, 150);
        using var plain = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, plain);
        using var squeezed = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, squeezed, new SixLabors.ImageSharp.Formats.Png.PngEncoder { CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestCompression });
        await storage.UploadAsync("b/first.png", plain.ToArray());
        await storage.UploadAsync("b/resaved.png", squeezed.ToArray());

        var first = (await storage.Ingest.IngestAsync("b/first.png", Timeout)).Entry!;
        var resaved = (await storage.Ingest.IngestAsync("b/resaved.png", Timeout)).Entry!;
        var again = (await storage.Ingest.RecordPoisonAsync("b/first.png", "late", Timeout)); // the first keeps its verdict

        Assert.NotEqual(first.Sha256, resaved.Sha256);
        Assert.DoesNotContain(first.Findings, f => f.Code == FindingCodes.ImageExactDuplicate);
        var finding = Assert.Single(resaved.Findings, f => f.Code == FindingCodes.ImageExactDuplicate);
        Assert.Equal("b/first.png", finding.Subject);
        Assert.Equal("b/first.png", resaved.DuplicateOf);
        Assert.Equal(IngestStatus.Accepted, again.Status);
        Assert.Equal(2, (await storage.ListAsync(storage.Staging)).Count); // different bytes: both kept
    }

    [Fact]
    public async Task An_image_far_larger_than_its_dataset_is_odd_sized_against_the_stored_running_statistics()
    {
        await using var storage = azurite.CreateStorage();
        var usual = Enumerable.Range(0, 24).Select(i => TestFiles.Png(64 + (i % 4), 48, seed: i)).ToArray();
        await Task.WhenAll(usual.Select((bytes, i) => storage.UploadAsync($"b/usual-{i}.png", bytes, dataset: "cats")));
        await storage.UploadAsync("b/huge.png", TestFiles.Png(640, 480, seed: 99), dataset: "cats");
        await storage.UploadAsync("b/huge-elsewhere.png", TestFiles.Png(640, 480, seed: 98), dataset: "dogs");

        // Parallel ingests update the sketch concurrently: none of their counts may be lost.
        var outcomes = await Task.WhenAll(usual.Select((_, i) => storage.Ingest.IngestAsync($"b/usual-{i}.png", Timeout)));
        var huge = (await storage.Ingest.IngestAsync("b/huge.png", Timeout)).Entry!;
        var elsewhere = (await storage.Ingest.IngestAsync("b/huge-elsewhere.png", Timeout)).Entry!;

        Assert.All(outcomes, o => Assert.DoesNotContain(o.Entry!.Findings, f => f.Code == FindingCodes.ImageOddSize));
        var statistics = storage.Services.GetRequiredService<IDatasetStatistics>();
        Assert.Equal(25, (await statistics.GetSizesAsync("cats", Timeout)).Count);
        Assert.Equal("cats", huge.Dataset);
        var odd = Assert.Single(huge.Findings, f => f.Code == FindingCodes.ImageOddSize);
        Assert.Equal(Math.Round(Math.Sqrt(640 * 480), 1), odd.Value);
        Assert.Equal(IngestStatus.Accepted, huge.Status); // a warning: the gate decides
        Assert.DoesNotContain(elsewhere.Findings, f => f.Code == FindingCodes.ImageOddSize); // another dataset, too few to judge
    }

    [Fact]
    public async Task Redelivery_does_not_count_an_image_twice_in_its_dataset()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/once.png", TestFiles.Png(64, 48));

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => storage.Ingest.IngestAsync("b/once.png", Timeout)));
        await storage.Ingest.IngestAsync("b/once.png", Timeout);

        Assert.Equal(1, (await storage.Services.GetRequiredService<IDatasetStatistics>().GetSizesAsync("default", Timeout)).Count);
    }

    [Theory]
    [InlineData("batch one/my holiday photo.png")]
    [InlineData("партия/猫の写真 😀.png")]
    public async Task Names_with_spaces_and_unicode_are_ingested_normally(string name)
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync(name, TestFiles.Png());

        var entry = (await storage.Ingest.IngestAsync(name, Timeout)).Entry!;

        Assert.Equal(IngestStatus.Accepted, entry.Status);
        Assert.Equal(name, entry.Name);
        Assert.Equal(name, (await storage.Catalog.GetAsync(name, Timeout))!.Value.Name);
        Assert.Equal(Uri.EscapeDataString(name), (await storage.Staging.GetBlobClient(entry.StagedPath).GetPropertiesAsync()).Value.Metadata["source"]);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1020)] // too long for "{name}.reasons.json" to fit beside it: quarantined under a shortened name
    public async Task Long_names_are_ingested_and_their_rejection_fits_in_quarantine(int length)
    {
        await using var storage = azurite.CreateStorage();
        var name = "long/" + new string('n', length - 9) + ".jpg";
        Assert.Equal(length, name.Length);
        await storage.UploadAsync(name, TestFiles.Text());

        var entry = (await storage.Ingest.IngestAsync(name, Timeout)).Entry!;

        Assert.Equal(IngestStatus.Rejected, entry.Status);
        Assert.Equal(name, entry.Name);
        Assert.Equal(name, (await storage.Catalog.GetAsync(name, Timeout))!.Value.Name);
        Assert.Equal(length == 1000, entry.QuarantinePath == name);
        Assert.True(BlobNames.ReasonsNameFor(entry.QuarantinePath!).Length <= BlobNames.MaxLength);
        var reasons = await ReadReasonsAsync(storage, entry.QuarantinePath!);
        Assert.Equal(name, reasons.Name); // the original name is kept in the reasons
        Assert.Equal(TestFiles.Text(), (await storage.Quarantine.GetBlobClient(entry.QuarantinePath).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [InlineData("b/../escape.jpg")]
    [InlineData("b/./x.jpg")]
    [InlineData("b//x.jpg")]
    public async Task A_name_with_dot_segments_is_rejected_without_touching_any_blob(string name)
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("escape.jpg", TestFiles.Jpeg()); // where ".." would lead
        await storage.UploadAsync("b/x.jpg", TestFiles.Jpeg());

        var entry = (await storage.Ingest.IngestAsync(name, Timeout)).Entry!;

        Assert.Equal(IngestStatus.Rejected, entry.Status);
        Assert.Equal(FindingCodes.BlobUnsafeName, Assert.Single(entry.Findings).Code);
        Assert.DoesNotContain("..", entry.QuarantinePath!.Split('/'));
        Assert.Equal([BlobNames.ReasonsNameFor(entry.QuarantinePath)], await storage.ListAsync(storage.Quarantine)); // reasons only, no copy
        Assert.Equal(name, (await ReadReasonsAsync(storage, entry.QuarantinePath)).Name);
        Assert.Empty(await storage.ListAsync(storage.Staging));
        Assert.Equal(["b/x.jpg", "escape.jpg"], await storage.ListAsync(storage.Incoming));
        Assert.True((await storage.Ingest.IngestAsync(name, Timeout)).Redelivery);
        // Filed apart from every real batch: batch "b" does not count it.
        Assert.Equal(BlobNames.UnsafeNames, entry.Batch);
        Assert.Empty(await storage.Catalog.ListBatchAsync("b", Timeout).ToListAsync(Timeout));
        Assert.Single(await storage.Catalog.ListBatchAsync(BlobNames.UnsafeNames, Timeout).ToListAsync(Timeout));
    }

    [Fact]
    public async Task A_transient_storage_fault_throws_so_the_platform_retries_and_nothing_is_half_written()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/t.png", TestFiles.Png());
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        options.AddPolicy(new FailWrites(), HttpPipelinePosition.PerCall);
        var faulty = new BlobServiceClient(azurite.ConnectionString, options);
        var store = new BlobIngestStore(faulty, Options.Create(storage.Options));
        var ingest = storage.IngestOver(store);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => ingest.IngestAsync("b/t.png", Timeout));

        Assert.Equal(503, error.Status);
        Assert.Empty(await storage.CatalogRowsAsync());
        Assert.Empty(await storage.ListAsync(storage.Staging));

        // The platform's retry, with storage healthy again, completes the job.
        var retried = await storage.Ingest.IngestAsync("b/t.png", Timeout);
        Assert.Equal(IngestStatus.Accepted, retried.Entry!.Status);
    }

    [Fact]
    public async Task Poison_path_leaves_a_failed_row_unless_the_blob_was_judged()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/p.png", TestFiles.Png());

        var failed = await storage.Ingest.RecordPoisonAsync("b/p.png", "storage timed out 5 times", Timeout);

        Assert.Equal(IngestStatus.Failed, failed.Status);
        Assert.Equal(FindingCodes.IngestPoison, Assert.Single(failed.Findings).Code);
        Assert.Contains("storage timed out", failed.Findings[0].Message, StringComparison.Ordinal);

        // A later successful ingest (reconciliation or a new event) replaces the failure with a verdict.
        var judged = await storage.Ingest.IngestAsync("b/p.png", Timeout);
        Assert.Equal(IngestStatus.Accepted, judged.Entry!.Status);
        var again = await storage.Ingest.RecordPoisonAsync("b/p.png", "late poison message", Timeout);
        Assert.Equal(IngestStatus.Accepted, again.Status);
        Assert.Single(await storage.CatalogRowsAsync());
    }

    private static async Task<QuarantineReasons> ReadReasonsAsync(TestStorage storage, string quarantineName)
    {
        var json = await storage.Quarantine.GetBlobClient(BlobNames.ReasonsNameFor(quarantineName)).DownloadContentAsync();
        return JsonSerializer.Deserialize<QuarantineReasons>(json.Value.Content.ToString(), PipelineJson.Options)!;
    }

    /// <summary>Answers every write (PUT) with 503, as an overloaded storage account does.</summary>
    private sealed class FailWrites : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Put)
            {
                throw new RequestFailedException(503, "Injected: the server is busy.");
            }
        }
    }

    /// <summary>Overwrites the blob just before its first download, as a second upload racing the event would.</summary>
    private sealed class OverwriteOnFirstDownload(IIngestBlobStore inner, Func<string, Task> overwrite) : DelegatingIngestBlobStore(inner)
    {
        public override async Task<ReadOnlyMemory<byte>?> DownloadIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken)
        {
            await overwrite(name);
            return await base.DownloadIncomingAsync(name, etag, maxBytes, cancellationToken);
        }
    }
}
