using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Testing;

/// <summary>
/// Plans a promotion of NEW images (one new batch) into a dataset of PARENT images (batches of 10,000, all taken
/// whole by version 1), on in-memory stand-ins for the catalog, registry and blobs that make their rows as they
/// are read, so the process's memory is the planner's. Two modes, each in its own process so each has its own
/// high-water mark: <c>skip</c> (the batches version 1 took are probed and skipped) and <c>read-all</c> (every batch
/// named, so every row is read and held: what every promotion did before batches were marked).
/// </summary>
internal static class PlanningBench
{
    private const string Dataset = "bench";
    private const int BatchSize = 10_000;

    private sealed record Shape(int Parent, int New);

    /// <summary>Writes version 1's manifest (PARENT entries in hash order) and the shape to DIR.</summary>
    public static async Task<int> Corpus(string dir, int parent, int added)
    {
        Directory.CreateDirectory(dir);
        var shape = new Shape(parent, added);
        await File.WriteAllTextAsync(Path.Combine(dir, "shape.json"), JsonSerializer.Serialize(shape));
        await using var manifest = File.Create(Path.Combine(dir, "manifest.jsonl"));
        await DatasetManifest.WriteAsync(ParentEntries(shape), manifest, CancellationToken.None);
        return 0;
    }

    public static async Task<int> Run(string dir, string mode)
    {
        var shape = JsonSerializer.Deserialize<Shape>(await File.ReadAllTextAsync(Path.Combine(dir, "shape.json")))!;
        var catalog = new GeneratedCatalog(shape);
        var registry = new GeneratedRegistry(shape);
        var blobs = new GeneratedBlobs(Path.Combine(dir, "manifest.jsonl"));
        var service = new PromotionService(
            catalog, registry, blobs, new NoReports(), new NoReviews(), Options.Create(new IngestOptions()), Options.Create(new LabelQaOptions()),
            Options.Create(new PromotionOptions()), TimeProvider.System);
        IReadOnlyList<string>? batches = mode == "read-all" ? [.. registry.Batches.Select(b => b.Batch)] : null;

        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var plan = await service.PlanAsync(new PromotionRequest(Dataset, batches), CancellationToken.None);
        clock.Stop();
        if (plan.Problem is not null || plan.Added != shape.New || plan.Images != shape.Parent + shape.New)
        {
            Console.Error.WriteLine($"unexpected plan: {plan.Problem ?? $"{plan.Added} added, {plan.Images} images"}");
            return 1;
        }

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode,
            parent = shape.Parent,
            added = shape.New,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
            peakMegabytes = Math.Round(ProcessMemory.PeakMegabytes(), 0),
            allocatedMegabytes = Math.Round((GC.GetTotalAllocatedBytes() - allocated) / 1048576.0, 0),
            rowsRead = catalog.RowsRead,
            batchesRead = catalog.BatchesRead,
            probes = catalog.Probes,
            workBytesWritten = blobs.WorkBytes,
        }));
        return 0;
    }

    /// <summary>Parent image i and new image j interleave in hash order: parents at even steps, new ones at odd steps spread over the range.</summary>
    private static string Sha(ulong position, Shape shape)
    {
        var step = ulong.MaxValue / (2UL * (ulong)(shape.Parent + shape.New) + 2);
        return (position * step).ToString("x16", CultureInfo.InvariantCulture) + position.ToString("x48", CultureInfo.InvariantCulture);
    }

    private static string ParentSha(int i, Shape shape) => Sha(2UL * (ulong)i, shape);

    private static string NewSha(int j, Shape shape) => Sha((2UL * (ulong)j * (ulong)Math.Max(1, shape.Parent / Math.Max(1, shape.New))) + 1, shape);

    private static async IAsyncEnumerable<ManifestEntry> ParentEntries(Shape shape)
    {
        for (var i = 0; i < shape.Parent; i++)
        {
            var sha = ParentSha(i, shape);
            var (batch, k) = (ParentBatch(i / BatchSize), i % BatchSize);
            yield return new ManifestEntry(sha, sha, ManifestEntry.ImagePath(sha, "jpeg"), 250_000, "jpeg", 1920, 1080, SplitNames.Train,
                [new ManifestBox("cat", 10, 20, 300, 200)], $"{batch}/img{k}.jpg", $"img{k}.jpg");
            await Task.CompletedTask;
        }
    }

    private static string ParentBatch(int b) => $"p{b:D4}";

    private static CatalogEntry Row(string batch, int k, string sha) =>
        new CatalogEntryBuilder($"{batch}/img{k}.jpg") { Dataset = Dataset, Width = 1920, Height = 1080, StagedPath = $"{Dataset}/{sha}.jpeg", Length = 250_000 }.Build()
            with { Sha256 = sha, Promoted = batch == "new" ? null : $"{Dataset}@1" };

    private sealed class GeneratedCatalog(Shape shape) : IImageCatalog
    {
        private long rowsRead;
        private int batchesRead;
        private int probes;

        public long RowsRead => rowsRead;

        public int BatchesRead => batchesRead;

        public int Probes => probes;

        public async IAsyncEnumerable<CatalogEntry> ListBatchAsync(string batch, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref batchesRead);
            var (count, sha) = batch == "new"
                ? (shape.New, (Func<int, string>)(k => NewSha(k, shape)))
                : (Math.Min(BatchSize, shape.Parent - (int.Parse(batch[1..], CultureInfo.InvariantCulture) * BatchSize)), k => ParentSha((int.Parse(batch[1..], CultureInfo.InvariantCulture) * BatchSize) + k, shape));
            for (var k = 0; k < count; k++)
            {
                Interlocked.Increment(ref rowsRead);
                yield return Row(batch, k, sha(k));
                if (k % 1000 == 999)
                {
                    await Task.Yield(); // a page boundary
                }
            }
        }

        public Task<bool> ChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref probes);
            return Task.FromResult(false);
        }

        public Task<Versioned<CatalogEntry>?> GetAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryAddAsync(CatalogEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryReplaceAsync(CatalogEntry entry, string etag, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ContentEntry?> GetContentAsync(string sha256, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryAddContentAsync(ContentEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string?> ClaimPixelsAsync(string pixelHash, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RecordRecheckAsync(string name, ImageRecheck recheck, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<CatalogChange> ListChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class GeneratedRegistry(Shape shape) : IDatasetRegistry
    {
        public List<RecordedBatch> Batches { get; } =
        [
            .. Enumerable.Range(0, (shape.Parent + BatchSize - 1) / BatchSize).Select(b => new RecordedBatch(ParentBatch(b), 1, DateTimeOffset.UnixEpoch)),
            new RecordedBatch("new"),
        ];

        public IAsyncEnumerable<RecordedBatch> ListBatchesAsync(string dataset, CancellationToken cancellationToken) => Batches.ToAsyncEnumerable();

        public Task<IReadOnlySet<int>> AncestryAsync(string dataset, int? version, CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<int>>(new HashSet<int> { 1 });

        public Task<DatasetPointer> GetPointerAsync(string dataset, CancellationToken cancellationToken) => Task.FromResult(new DatasetPointer(1, "etag", 1));

        public Task RecordBatchAsync(string dataset, string batch, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<string> ListDatasetsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task MarkBatchPromotedAsync(string dataset, string batch, int version, DateTimeOffset through, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PublishOutcome> PublishAsync(string dataset, VersionListing version, int? parent, string? pointerETag, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> MovePointerAsync(string dataset, int version, string pointerETag, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<VersionListing?> GetVersionAsync(string dataset, int version, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<VersionListing> ListVersionsAsync(string dataset, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>Version 1's manifest from a file; working files counted and dropped; no gate file (the default gate).</summary>
    private sealed class GeneratedBlobs(string manifest) : IPromotionBlobs
    {
        private long workBytes;

        public long WorkBytes => workBytes;

        public Task<Stream?> OpenProductionAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult<Stream?>(name.EndsWith("/manifest.jsonl", StringComparison.Ordinal) ? File.OpenRead(manifest) : null);

        public async Task WriteWorkAsync(string name, Stream content, CancellationToken cancellationToken)
        {
            var counter = new CountingStream();
            await content.CopyToAsync(counter, cancellationToken);
            Interlocked.Add(ref workBytes, counter.Length);
        }

        public Task<Stream?> OpenWorkAsync(string name, CancellationToken cancellationToken) => Task.FromResult<Stream?>(null);

        public Task<byte[]?> ReadGateAsync(string dataset, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

        public Task<byte[]?> ReadStagedAsync(string stagedPath, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Stream?> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task WriteGateAsync(string dataset, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> PutProductionIfAbsentAsync(string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task WriteProductionAsync(string name, Stream content, string contentType, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteProductionAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;
    }

    /// <summary>A dataset nobody has reviewed: no waivers.</summary>
    private sealed class NoReviews : Pipeline.Core.Reviews.IReviewStore
    {
        public Task<IReadOnlyList<Pipeline.Core.Reviews.ReviewDecision>> ListAsync(string dataset, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Pipeline.Core.Reviews.ReviewDecision>>([]);

        public Task PutAsync(Pipeline.Core.Reviews.ReviewDecision decision, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string dataset, string id, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class NoReports : ILabelQaStore
    {
        public Task WriteReportAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]?> ReadReportAsync(string name, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

        public Task<Stream> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RecordSummaryAsync(LabelQaSummary summary, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}

/// <summary>The process's memory high-water mark.</summary>
internal static class ProcessMemory
{
    /// <summary>VmHWM: the resident set's high-water mark for this process, in MiB.</summary>
    public static double PeakMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
