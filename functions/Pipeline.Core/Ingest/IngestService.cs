using System.Text.Json;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Ingest;

/// <summary>
/// Judges one blob in <c>incoming</c> and files it: accepted images under their content hash in
/// <c>staging</c>, rejected files in <c>quarantine</c> beside their reasons, and a catalog row for both.
/// Redelivered events, parallel duplicates and overwritten blobs are expected: names are deterministic,
/// writes are conditional, and a blob version already judged is not judged again. A malformed file never
/// throws; a storage fault does, so the platform retries.
/// </summary>
public sealed partial class IngestService(
    IIngestBlobStore store,
    IImageCatalog catalog,
    IDatasetStatistics statistics,
    NearDuplicateIndex nearDuplicates,
    Pipeline.Core.Datasets.IDatasetRegistry registry,
    Pipeline.Core.Lineage.LineageService lineage,
    ImageGuard guard,
    Microsoft.Extensions.Options.IOptions<IngestOptions> options,
    Microsoft.Extensions.Options.IOptions<LabelQaOptions> labelOptions,
    PipelineTelemetry telemetry,
    TimeProvider time,
    ILogger<IngestService> logger)
{
    /// <summary>How often a blob may change under us, or a catalog write lose a race, before the call gives up (and the platform retries).</summary>
    public const int MaxAttempts = 5;

    /// <summary>Where accepted images go in <c>staging</c>.</summary>
    public static string StagedNameFor(string sha256, ImageFormat format) => $"images/{sha256}.{format.CanonicalExtension()}";

    /// <summary>Ingests the blob <paramref name="name"/> (relative to <c>incoming</c>), in one span with its metrics.</summary>
    public async Task<IngestOutcome> IngestAsync(string name, CancellationToken cancellationToken)
    {
        using var activity = PipelineTelemetry.Source.StartActivity("ingest", ActivityKind.Consumer);
        activity?.SetTag("pipeline.batch", BlobNames.BatchOf(name));
        // The name is never an attribute (file names can name people): a custom property stays in this process, for
        // `pipeline run --trace`, and no exporter sends it.
        activity?.SetCustomProperty("pipeline.blob", name);
        var started = time.GetTimestamp();
        try
        {
            var outcome = await IngestCoreAsync(name, cancellationToken);
            Record(activity, outcome, time.GetElapsedTime(started));
            return outcome;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity.AddException(ex);
            throw;
        }
    }

    private void Record(Activity? activity, IngestOutcome outcome, TimeSpan elapsed)
    {
        activity?.SetTag("pipeline.redelivery", outcome.Redelivery);
        if (outcome.Entry is not { } entry)
        {
            activity?.SetTag("pipeline.verdict", outcome.SealMarker ? "seal_marker" : "gone");
            return;
        }

        var verdict = entry.Status.Name();
        activity?.SetTag("pipeline.verdict", verdict);
        activity?.SetTag("pipeline.dataset", entry.Dataset);
        activity?.SetTag("pipeline.image.format", entry.Format);
        activity?.SetTag("pipeline.image.bytes", entry.Length);
        activity?.SetTag("pipeline.image.sha256", entry.Sha256);
        activity?.SetTag("pipeline.finding_codes", string.Join(' ', entry.Findings.Select(f => f.Code).Distinct()));
        if (outcome.Redelivery)
        {
            return; // counted when it was judged
        }

        var outcomeTag = new KeyValuePair<string, object?>("pipeline.outcome", verdict);
        telemetry.Images.Add(1, outcomeTag, new KeyValuePair<string, object?>("pipeline.image.format", entry.Format));
        telemetry.Bytes.Add(entry.Length, outcomeTag);
        telemetry.Duration.Record(elapsed.TotalSeconds, outcomeTag);
        foreach (var finding in entry.Findings)
        {
            telemetry.Findings.Add(1, new KeyValuePair<string, object?>("pipeline.finding.code", finding.Code), new KeyValuePair<string, object?>("pipeline.finding.severity", finding.Severity.ToString().ToLowerInvariant()));
        }
    }

    private async Task<IngestOutcome> IngestCoreAsync(string name, CancellationToken cancellationToken)
    {
        if (BlobNames.IsSealMarker(name))
        {
            return new IngestOutcome(null, Redelivery: false, SealMarker: true); // nothing to judge or write
        }

        if (BlobNames.Check(name) is { } unsafeName)
        {
            return await RejectUnsafeNameAsync(name, unsafeName, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            var blob = await store.GetIncomingAsync(name, cancellationToken);
            var existing = await catalog.GetAsync(name, cancellationToken);
            if (blob is null)
            {
                LogGone(logger, name);
                return new IngestOutcome(existing?.Value, Redelivery: true);
            }

            if (existing is { } row && row.Value.SourceETag == blob.ETag && row.Value.Status != IngestStatus.Failed)
            {
                LogRedelivery(logger, name, blob.ETag);
                return new IngestOutcome(row.Value, Redelivery: true);
            }

            var startedAt = time.GetUtcNow();
            var kind = DatasetFiles.ByName(name);
            var entry = kind.Role switch
            {
                FileRole.Layout when SegmentationMasks.IsMask(kind) => await JudgeMaskAsync(blob, kind, cancellationToken),
                FileRole.Layout when DatasetSplits.SplitOf(name) is not null || SegmentationMasks.IsLabelMap(name) => await StageSplitListAsync(blob, kind, cancellationToken),
                FileRole.Layout or FileRole.Unrecognised => SideEntry(blob, kind),
                FileRole.Annotations => await JudgeLabelsAsync(blob, LabelFiles.FormatOf(name) ?? LabelFormat.Yolo, cancellationToken),
                _ => await JudgeAsync(blob, cancellationToken),
            };
            if (entry is not null)
            {
                // The ingest span's context goes with the row, so label QA and promotion can link their spans to this upload.
                entry = entry with { TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } span ? span.Id : null };

                // Both before the verdict is written, so a crash between them repeats them rather than losing them:
                // the registry write is idempotent, and a repeated lineage event has the same run id.
                if (entry.Status == IngestStatus.Accepted)
                {
                    await registry.RecordBatchAsync(entry.Dataset, entry.Batch, cancellationToken);
                }

                await EmitLineageAsync(entry, blob.LastModified, startedAt, null, cancellationToken);
                var outcome = await WriteAsync(entry, existing, cancellationToken);
                if (outcome is not null)
                {
                    // Counted once, by the delivery whose verdict was written; duplicates are not counted again.
                    if (!outcome.Redelivery && entry is { Status: IngestStatus.Accepted, DuplicateOf: null, Width: { } w, Height: { } h })
                    {
                        await statistics.AddSizeAsync(entry.Dataset, entry.Sha256[0], SizeSketch.SizeOf(w, h), cancellationToken);
                    }

                    LogJudged(logger, name, entry.Status, entry.Findings.Count);
                    return outcome;
                }
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"The blob '{name}' kept changing while it was ingested ({attempt} attempts); the platform will retry.");
            }

            LogChanged(logger, name, attempt);
        }
    }

    /// <summary>
    /// One page of the blobs under <c>incoming/{batch}/</c> (every batch when <paramref name="batch"/> is empty)
    /// that have no verdict for their current version: never ingested (their event was lost, or they existed
    /// before the subscription), overwritten since, or failed. Blobs written after <paramref name="olderThan"/>
    /// are left alone: their events may still be on the way. Each one found is counted in
    /// <c>pipeline.reconcile.found</c>: a non-zero count means events were lost.
    /// </summary>
    public async Task<UnjudgedPage> FindUnjudgedAsync(string batch, string? continuation, int pageSize, CancellationToken cancellationToken, DateTimeOffset? olderThan = null)
    {
        var page = await store.ListIncomingAsync(batch.Length == 0 ? string.Empty : batch + "/", continuation, pageSize, cancellationToken);
        var unjudged = new List<string>();
        var sealedBatches = new List<string>();
        foreach (var blob in page.Blobs)
        {
            if (olderThan is { } cutoff && blob.LastModified is { } written && written > cutoff)
            {
                continue;
            }

            if (BlobNames.IsSealMarker(blob.Name))
            {
                sealedBatches.Add(BlobNames.BatchOf(blob.Name)); // not a file to judge; its batch may lack label QA
                continue;
            }

            var row = await catalog.GetAsync(blob.Name, cancellationToken);
            if (row is null || row.Value.SourceETag != blob.ETag || row.Value.Status == IngestStatus.Failed)
            {
                unjudged.Add(blob.Name);
            }
        }

        if (unjudged.Count > 0)
        {
            telemetry.ReconcileFound.Add(unjudged.Count, new KeyValuePair<string, object?>("pipeline.batch.scope", batch.Length == 0 ? "all" : "batch"));
        }

        return new UnjudgedPage(unjudged, page.Continuation, page.Blobs.Count, sealedBatches);
    }

    /// <summary>
    /// Records that ingest of <paramref name="name"/> failed on every retry (the poison path), unless the current
    /// version of the blob has a verdict already.
    /// </summary>
    public async Task<CatalogEntry> RecordPoisonAsync(string name, string reason, CancellationToken cancellationToken)
    {
        var blob = BlobNames.Check(name) is null ? await store.GetIncomingAsync(name, cancellationToken) : null;
        for (var attempt = 1; ; attempt++)
        {
            var existing = await catalog.GetAsync(name, cancellationToken);
            if (existing is { } row && row.Value.Status != IngestStatus.Failed && (blob is null || row.Value.SourceETag == blob.ETag))
            {
                return row.Value;
            }

            var finding = Finding.Error(FindingCodes.IngestPoison, $"Ingest failed on every retry and the file was not judged: {reason}");
            var entry = new CatalogEntry(
                name, BlobNames.BatchOf(name), blob is null ? options.Value.DefaultDataset : DatasetOf(blob), blob?.ETag ?? string.Empty, IngestStatus.Failed, string.Empty, blob?.Length ?? 0,
                ImageFormat.Unknown.Name(), null, null, 0, null, null, [finding], null, null, null, time.GetUtcNow());
            if (await WriteAsync(entry, existing, cancellationToken) is { Entry: { } written })
            {
                await EmitLineageAsync(written, blob?.LastModified, written.IngestedAt, reason, cancellationToken);
                LogPoison(logger, name, reason);
                return written;
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"The catalog row of '{name}' kept changing while the poison verdict was written.");
            }
        }
    }

    private async Task<CatalogEntry?> JudgeAsync(IncomingBlob blob, CancellationToken cancellationToken)
    {
        var name = blob.Name;
        if (blob.Length > guard.Options.MaxBytes)
        {
            // Rejected on its declared size alone: copied inside storage, never downloaded.
            var tooLarge = guard.RejectTooLarge(blob.Length);
            var quarantine = BlobNames.QuarantineNameFor(name);
            if (!await store.QuarantineCopyAsync(name, blob.ETag, quarantine, cancellationToken))
            {
                return null;
            }

            return await WriteReasonsAsync(Entry(blob, tooLarge, IngestStatus.Rejected, quarantinePath: quarantine), cancellationToken);
        }

        var bytes = await store.DownloadIncomingAsync(name, blob.ETag, guard.Options.MaxBytes, cancellationToken);
        if (bytes is not { } data)
        {
            return null;
        }

        // Hash first: bytes seen before are recognised without decoding them again.
        var sha = ImageGuard.Sha256Hex(data.Span);
        if (await catalog.GetContentAsync(sha, cancellationToken) is { } known)
        {
            return await ReuseAsync(blob, known, cancellationToken);
        }

        var inspection = await guard.InspectAsync(data, BlobNames.FileNameOf(name), cancellationToken, sha);
        if (inspection.DecodeMilliseconds > 0)
        {
            telemetry.DecodeDuration.Record(inspection.DecodeMilliseconds / 1000, new KeyValuePair<string, object?>("pipeline.image.format", inspection.Format.Name()));
        }

        if (inspection.Status == InspectionStatus.Rejected)
        {
            var quarantine = BlobNames.QuarantineNameFor(name);
            await store.QuarantineAsync(quarantine, data, cancellationToken);
            return await WriteReasonsAsync(Entry(blob, inspection, IngestStatus.Rejected, quarantinePath: quarantine), cancellationToken);
        }

        if (inspection is { Width: { } width, Height: { } height })
        {
            var sketch = await statistics.GetSizesAsync(DatasetOf(blob), cancellationToken);
            if (sketch.Judge(SizeSketch.SizeOf(width, height), guard.Options.OddSizeIqrFactor, guard.Options.OddSizeMinimumCount) is { } oddSize)
            {
                inspection = inspection with { Findings = [.. inspection.Findings, oddSize] };
            }
        }

        var staged = StagedNameFor(sha, inspection.Format);
        var metadata = new Dictionary<string, string>
        {
            ["sha256"] = sha,
            ["batch"] = Uri.EscapeDataString(BlobNames.BatchOf(name)),
            ["source"] = Uri.EscapeDataString(name),
        };
        await store.StageAsync(staged, data, inspection.Format.ContentType(), metadata, cancellationToken);
        var content = new ContentEntry(sha, name, staged, inspection);
        if (!await catalog.TryAddContentAsync(content, cancellationToken) &&
            await catalog.GetContentAsync(sha, cancellationToken) is { } first)
        {
            return await ReuseAsync(blob, first, cancellationToken); // another name with the same bytes got there first
        }

        return await RelateAsync(blob, inspection, staged, cancellationToken);
    }

    /// <summary>
    /// Relates a newly accepted image to the images before it: an exact duplicate when its decoded pixels were
    /// claimed by another name, else a near duplicate when the pHash index holds an earlier image within the
    /// distance. Both lookups are idempotent, so a retry after a crash finds the same answer.
    /// </summary>
    private async Task<CatalogEntry> RelateAsync(IncomingBlob blob, ImageInspection inspection, string staged, CancellationToken cancellationToken)
    {
        if (inspection.Quality is not { } quality)
        {
            return Entry(blob, inspection, IngestStatus.Accepted, stagedPath: staged);
        }

        // Other bytes, same pixels (a re-save with other metadata or compression settings): an exact duplicate too.
        if (await catalog.ClaimPixelsAsync(quality.PixelHash, blob.Name, cancellationToken) is { } samePixels)
        {
            var finding = new Finding(
                FindingCodes.ImageExactDuplicate, Severity.Warning, null, null,
                $"The same pixels were ingested before as '{samePixels}' (in a different file).", samePixels);
            return Entry(blob, inspection with { Findings = [.. inspection.Findings, finding] }, IngestStatus.Accepted, stagedPath: staged, duplicateOf: samePixels);
        }

        var distance = guard.Options.NearDuplicateDistance;
        if (await nearDuplicates.AddAndFindAsync(DatasetOf(blob), NearDuplicates.ParseHash(quality.PerceptualHash), inspection.Sha256, blob.Name, distance, cancellationToken) is { } near)
        {
            var finding = new Finding(
                FindingCodes.ImageNearDuplicate, Severity.Warning, near.Distance, distance,
                $"Nearly the same picture was ingested before as '{near.Name}' ({near.Distance} of 64 hash bits differ).", near.Name, near.Sha256);
            inspection = inspection with { Findings = [.. inspection.Findings, finding] };
        }

        return Entry(blob, inspection, IngestStatus.Accepted, stagedPath: staged);
    }

    private async Task<CatalogEntry> ReuseAsync(IncomingBlob blob, ContentEntry known, CancellationToken cancellationToken)
    {
        if (known.Name == blob.Name)
        {
            // The first upload of these bytes, judged again (a retry after a crash, or the same bytes uploaded
            // over it): its relations to other images are looked up again, and find what they found before.
            return await RelateAsync(blob, known.Inspection, known.StagedPath, cancellationToken);
        }

        var finding = new Finding(
            FindingCodes.ImageExactDuplicate, Severity.Warning, null, null,
            $"The same bytes were ingested before as '{known.Name}'; the staged copy is shared.", known.Name);
        return Entry(blob, known.Inspection with { Findings = [.. known.Inspection.Findings, finding] }, IngestStatus.Accepted, stagedPath: known.StagedPath, duplicateOf: known.Name);
    }

    private CatalogEntry Entry(
        IncomingBlob blob, ImageInspection inspection, IngestStatus status,
        string? stagedPath = null, string? quarantinePath = null, string? duplicateOf = null) =>
        new(blob.Name, BlobNames.BatchOf(blob.Name), DatasetOf(blob), blob.ETag, status, inspection.Sha256, blob.Length,
            inspection.Format.Name(), inspection.Width, inspection.Height, inspection.Frames, inspection.Orientation,
            inspection.Quality, inspection.Findings, stagedPath, quarantinePath, duplicateOf, time.GetUtcNow());

    private string DatasetOf(IncomingBlob blob) => DatasetNames.IsValid(blob.Dataset) ? blob.Dataset! : options.Value.DefaultDataset;

    private async Task<IngestOutcome> RejectUnsafeNameAsync(string name, Finding finding, CancellationToken cancellationToken)
    {
        // The name is not used to address anything: the blob is neither read nor copied.
        if (await catalog.GetAsync(name, cancellationToken) is { } existing)
        {
            return new IngestOutcome(existing.Value, Redelivery: true);
        }

        var entry = new CatalogEntry(
            name, BlobNames.BatchOf(name), options.Value.DefaultDataset, string.Empty, IngestStatus.Rejected, string.Empty, 0, ImageFormat.Unknown.Name(),
            null, null, 0, null, null, [finding], null, BlobNames.QuarantineNameFor(name), null, time.GetUtcNow());
        entry = await WriteReasonsAsync(entry, cancellationToken);
        LogUnsafeName(logger, name.Length);
        return await WriteAsync(entry, null, cancellationToken) ?? new IngestOutcome((await catalog.GetAsync(name, cancellationToken))?.Value, Redelivery: true);
    }

    private async Task<CatalogEntry> WriteReasonsAsync(CatalogEntry entry, CancellationToken cancellationToken)
    {
        var reasons = new QuarantineReasons(entry.Name, entry.Batch, entry.SourceETag, entry.Sha256, entry.Length, entry.Format, entry.Width, entry.Height, entry.Findings, entry.IngestedAt);
        var json = JsonSerializer.SerializeToUtf8Bytes(reasons, PipelineJson.Options);
        await store.WriteQuarantineJsonAsync(BlobNames.ReasonsNameFor(entry.QuarantinePath!), json, cancellationToken);
        return entry;
    }

    /// <summary>
    /// The ingest run's OpenLineage events: START, then COMPLETE (the file was judged, whatever the verdict) or
    /// FAIL (the poison path, <paramref name="error"/> set). The run is the judged version of the blob: its name,
    /// ETag and upload time make the run id, so an ingest repeated after a crash writes the same run id again.
    /// </summary>
    private async Task EmitLineageAsync(CatalogEntry entry, DateTimeOffset? uploadedAt, DateTimeOffset startedAt, string? error, CancellationToken cancellationToken)
    {
        var runKey = uploadedAt ?? DateTimeOffset.UnixEpoch;
        var run = $"ingest:{entry.Name}@{entry.SourceETag}";
        string[] inputs = [$"incoming/{entry.Batch}"];
        string[] outputs = entry.Status switch
        {
            IngestStatus.Accepted => [$"staging/{entry.Dataset}/{entry.Batch}"],
            IngestStatus.Rejected => [$"quarantine/{entry.Batch}"],
            _ => [],
        };
        var job = Pipeline.Core.Lineage.LineageJobs.Ingest;
        await lineage.EmitAsync(
            [
                new(job, Pipeline.Core.Lineage.RunEventTypes.Start, run, runKey, startedAt, inputs, []),
                new(job, error is null ? Pipeline.Core.Lineage.RunEventTypes.Complete : Pipeline.Core.Lineage.RunEventTypes.Fail, run, runKey, entry.IngestedAt, inputs, outputs, Error: error),
            ],
            cancellationToken);
    }

    private async Task<IngestOutcome?> WriteAsync(CatalogEntry entry, Versioned<CatalogEntry>? existing, CancellationToken cancellationToken)
    {
        var written = existing is null
            ? await catalog.TryAddAsync(entry, cancellationToken)
            : await catalog.TryReplaceAsync(entry, existing.ETag, cancellationToken);
        if (written)
        {
            return new IngestOutcome(entry, Redelivery: false);
        }

        // Lost a race. If the winner judged the same version, its verdict stands; otherwise start again.
        var now = await catalog.GetAsync(entry.Name, cancellationToken);
        return now is { } row && row.Value.SourceETag == entry.SourceETag && row.Value.Status != IngestStatus.Failed
            ? new IngestOutcome(row.Value, Redelivery: true)
            : null;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Ingested {Name}: {Status} with {FindingCount} findings")]
    private static partial void LogJudged(ILogger logger, string name, IngestStatus status, int findingCount);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "{Name} at {ETag} was judged before; nothing written")]
    private static partial void LogRedelivery(ILogger logger, string name, string etag);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "{Name} no longer exists; nothing to ingest")]
    private static partial void LogGone(ILogger logger, string name);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Name} changed while it was ingested (attempt {Attempt}); reading it again")]
    private static partial void LogChanged(ILogger logger, string name, int attempt);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Rejected a blob with an unsafe name ({Length} characters) without reading it")]
    private static partial void LogUnsafeName(ILogger logger, int length);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Ingest of {Name} failed on every retry: {Reason}")]
    private static partial void LogPoison(ILogger logger, string name, string reason);
}

/// <summary>The <c>{name}.reasons.json</c> written beside a quarantined file.</summary>
public sealed record QuarantineReasons(
    string Name, string Batch, string SourceETag, string Sha256, long Length, string Format,
    int? Width, int? Height, IReadOnlyList<Finding> Findings, DateTimeOffset JudgedAt);
