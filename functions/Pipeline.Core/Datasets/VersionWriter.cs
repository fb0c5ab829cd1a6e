using System.Text.Json;
using Pipeline.Core.Gates;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Datasets;

/// <summary>
/// Writes a version's files: <c>manifest.jsonl</c> (the plan with the published hashes), <c>annotations.coco.json</c>,
/// <c>yolo.tar</c>, <c>voc.tar</c>, the gate and its result, and <c>dataset.json</c> last. Until the pointer names it, a version is a
/// draft nobody reads.
/// </summary>
internal sealed class VersionWriter(IDatasetRegistry registry, IPromotionBlobs blobs, ILabelQaStore reports, string labelRules, TimeProvider time)
{
    private readonly PromotionWork work = new(blobs);

    /// <summary>Writes the files of the plan's version; a version already published is returned as it is.</summary>
    public async Task<DatasetVersion> WriteAsync(WriteVersionInput input, CancellationToken cancellationToken)
    {
        var plan = input.Plan;
        if (await registry.GetVersionAsync(plan.Dataset, plan.Version, cancellationToken) is not null)
        {
            return await PromotionService.ReadVersionAsync(blobs, plan.Dataset, plan.Version, cancellationToken)
                ?? throw new InvalidOperationException($"Version {plan.Version} of '{plan.Dataset}' is published but has no dataset.json.");
        }

        var manifestPath = Path.GetTempFileName();
        try
        {
            ManifestTotals totals;
            var stripped = 0;
            await using (var manifest = new FileStream(manifestPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                totals = await DatasetManifest.WriteAsync(PublishedEntriesAsync(plan, () => stripped++, cancellationToken), manifest, cancellationToken);
            }

            await UploadFileAsync(PromotionService.VersionFile(plan.Dataset, plan.Version, "manifest.jsonl"), manifestPath, "application/x-ndjson", cancellationToken);
            await WriteExportAsync(plan, "annotations.coco.json", "application/json", manifestPath, VersionExports.WriteCocoAsync, cancellationToken);
            await WriteExportAsync(plan, "yolo.tar", "application/x-tar", manifestPath, VersionExports.WriteYoloAsync, cancellationToken);
            await WriteExportAsync(plan, "voc.tar", "application/x-tar", manifestPath, VersionExports.WriteVocAsync, cancellationToken);

            var gateResult = await work.ReadJsonAsync<GateResult>(PromotionWork.GateResult(plan.WorkFolder), cancellationToken);
            await using (var gateResultStream = await blobs.OpenWorkAsync(PromotionWork.GateResult(plan.WorkFolder), cancellationToken))
            {
                await blobs.WriteProductionAsync(PromotionService.VersionFile(plan.Dataset, plan.Version, "gate-result.json"), gateResultStream!, "application/json", cancellationToken);
            }

            if (await blobs.ReadGateAsync(plan.Dataset, cancellationToken) is { } gateBytes)
            {
                await blobs.WriteProductionAsync(PromotionService.VersionFile(plan.Dataset, plan.Version, "gate.json"), new MemoryStream(gateBytes), "application/json", cancellationToken);
            }

            var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["manifest"] = $"{DatasetVersion.Folder(plan.Version)}/manifest.jsonl",
                ["coco"] = $"{DatasetVersion.Folder(plan.Version)}/annotations.coco.json",
                ["yolo"] = $"{DatasetVersion.Folder(plan.Version)}/yolo.tar",
                ["voc"] = $"{DatasetVersion.Folder(plan.Version)}/voc.tar",
                ["gateResult"] = $"{DatasetVersion.Folder(plan.Version)}/gate-result.json",
            };
            var version = new DatasetVersion(
                totals.Id, plan.Dataset, plan.Version, plan.Parent, plan.ParentId, time.GetUtcNow(), gateResult.Passed, gateResult.Warnings, input.Approval,
                new VersionCounts(totals.Images, totals.Bytes, totals.Boxes, plan.Added, plan.Removed, plan.Relabelled, stripped, totals.Splits, totals.BoxesPerLabel, totals.SplitByDataset),
                files,
                new VersionLineage(plan.Batches, await QaReportsAsync(plan.Batches, cancellationToken), gateResult.GateFile, PromotionWork.GateResult(plan.WorkFolder), input.RunId, input.InstanceId),
                DatasetVersion.CurrentCodeVersion);
            await blobs.WriteProductionAsync(
                PromotionService.VersionFile(plan.Dataset, plan.Version, "dataset.json"),
                new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(version, PipelineJson.Options)), "application/json", cancellationToken);
            return version;
        }
        finally
        {
            File.Delete(manifestPath);
        }
    }

    private async IAsyncEnumerable<ManifestEntry> PublishedEntriesAsync(PromotionPlan plan, Action countStripped, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var lines = await blobs.OpenWorkAsync(PromotionWork.PlanLines(plan.WorkFolder), cancellationToken)
            ?? throw new InvalidOperationException($"No plan in {plan.WorkFolder}.");
        using var reader = new StreamReader(lines);
        var chunk = 0;
        List<CopiedImage> copied = [];
        var next = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } text)
        {
            var line = JsonSerializer.Deserialize<PlanLine>(text, PipelineJson.Options)!;
            if (!line.New)
            {
                if (line.Entry.Rewritten)
                {
                    countStripped();
                }

                yield return line.Entry;
                continue;
            }

            if (next == copied.Count)
            {
                copied = await work.ReadJsonAsync<List<CopiedImage>>(PromotionWork.Copied(plan.WorkFolder, chunk++), cancellationToken);
                next = 0;
            }

            var image = copied[next++];
            if (image.OriginalSha256 != line.Entry.OriginalSha256)
            {
                throw new InvalidOperationException($"Copy results out of step with the plan at {line.Entry.OriginalSha256}.");
            }

            if (image.LocationStripped)
            {
                countStripped();
            }

            yield return line.Entry with { Sha256 = image.Sha256, Path = ManifestEntry.ImagePath(image.Sha256, line.Entry.Format), Size = image.Size };
        }
    }

    private async Task<List<string>> QaReportsAsync(IReadOnlyList<string> batches, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        foreach (var batch in batches)
        {
            if (await LabelQaService.ReadCurrentAsync(reports, batch, labelRules, cancellationToken) is { } qa)
            {
                found.Add("reports/" + qa.Name);
            }
        }

        return found;
    }

    private async Task WriteExportAsync(PromotionPlan plan, string file, string contentType, string manifestPath, Func<Func<Stream>, Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = Path.GetTempFileName();
        try
        {
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(() => File.OpenRead(manifestPath), output, cancellationToken);
            }

            await UploadFileAsync(PromotionService.VersionFile(plan.Dataset, plan.Version, file), path, contentType, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task UploadFileAsync(string name, string path, string contentType, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        await blobs.WriteProductionAsync(name, stream, contentType, cancellationToken);
    }
}
