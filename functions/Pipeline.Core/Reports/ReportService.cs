using System.Text.Json;
using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Reports;

/// <summary>Builds the HTML quality reports of a batch and of a published version from what storage holds.</summary>
public sealed class ReportService(
    IImageCatalog catalog, ILabelQaStore reports, IPromotionBlobs blobs, DatasetVersions versions, ImageGuard guard, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<LabelQaOptions> labelOptions)
{
    /// <summary>Files with thumbnails in one report.</summary>
    public const int MaxFlagged = 60;

    /// <summary>The report of a batch (its verdicts and label QA), or null when the batch has no catalog rows.</summary>
    public async Task<string?> BatchAsync(string batch, CancellationToken cancellationToken)
    {
        var rows = new List<CatalogEntry>();
        await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
        {
            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            return null;
        }

        var current = await LabelQaService.ReadCurrentAsync(reports, batch, Findings.RulesVersions.Labels(labelOptions.Value), cancellationToken);
        var qa = current?.Result;
        var images = rows.Where(r => r.Kind == CatalogKinds.Image).ToList();
        var rejected = rows.Count(r => r.Status != IngestStatus.Accepted);
        var codes = rows.SelectMany(r => r.Findings.DistinctBy(f => f.Code).Select(f => (Row: r, Finding: f)))
            .GroupBy(x => x.Finding.Code)
            .Select(g => new ReportCode(g.Key, g.Max(x => x.Finding.Severity), g.Count(), g.First().Row.Name))
            .Concat(qa?.Codes.Select(c => new ReportCode(c.Code, c.Severity, c.Count, c.Examples.FirstOrDefault()?.Finding.Subject)) ?? [])
            .OrderByDescending(c => c.Severity).ThenByDescending(c => c.Count)
            .ToList();
        var flagged = rows.Where(r => r.Status != IngestStatus.Accepted || r.Findings.Any(f => f.Severity != Severity.Info))
            .OrderByDescending(r => r.Status != IngestStatus.Accepted).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var passed = rejected == 0 && (qa?.Errors ?? 0) == 0;
        var model = new QualityReportModel
        {
            Title = $"Batch {batch}",
            Kind = "batch",
            Verdict = passed ? "All files accepted, no label errors" : $"{rejected:N0} file(s) rejected, {qa?.Errors ?? 0:N0} label error(s)",
            Passed = passed,
            Numbers =
            [
                new("images accepted", images.Count(r => r.Status == IngestStatus.Accepted).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
                new("files rejected", rejected.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
                new("annotation files", rows.Count(r => r.Kind == CatalogKinds.Labels).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
                new("boxes", (qa?.Boxes ?? 0).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
                new("datasets", string.Join(", ", rows.Select(r => r.Dataset).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))),
                .. Layouts(batch, rows),
            ],
            Codes = codes,
            FindingsPerLabel = qa?.FindingsPerLabel ?? new Dictionary<string, Dictionary<string, int>>(),
            Flagged = await ThumbnailsAsync(flagged.Take(MaxFlagged), cancellationToken),
            FlaggedTotal = flagged.Count,
            Classes = qa?.BoxesPerLabel ?? new Dictionary<string, int>(),
            Annotators = qa?.Annotators ?? [],
            Lineage =
            [
                new("batch", $"incoming/{batch}/"),
                new("label QA report", current is not { } used ? "none yet (seal the batch to run it)" : $"reports/{used.Name}, checked {used.Result.CheckedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC"),
                new("promoted", string.Join(", ", rows.Select(r => r.Promoted).OfType<string>().Distinct(StringComparer.Ordinal)) is { Length: > 0 } p ? p : "not yet"),
            ],
            GeneratedAt = time.GetUtcNow(),
        };
        return QualityReportPage.Render(model);
    }

    /// <summary>The report of a published version, or null when it was never published.</summary>
    public async Task<string?> VersionAsync(string dataset, int version, CancellationToken cancellationToken)
    {
        if (await versions.GetAsync(dataset, version, cancellationToken) is not { } info)
        {
            return null;
        }

        GateResult? gate = null;
        await using (var stream = await versions.OpenFileAsync(dataset, version, "gate-result.json", cancellationToken))
        {
            if (stream is not null)
            {
                gate = await JsonSerializer.DeserializeAsync<GateResult>(stream, PipelineJson.Options, cancellationToken);
            }
        }

        var sides = new List<double>();
        await using (var manifest = await versions.OpenFileAsync(dataset, version, "manifest.jsonl", cancellationToken))
        {
            if (manifest is not null)
            {
                await foreach (var entry in DatasetManifest.ReadAsync(manifest, cancellationToken))
                {
                    sides.AddRange(entry.Labels.Select(b => Math.Sqrt(b.Width * b.Height)));
                }
            }
        }

        var annotators = new List<AnnotatorScore>();
        var perLabel = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var codes = new List<ReportCode>();
        // The label QA results the version was built from, as its lineage names them.
        foreach (var name in info.Lineage.QaReports)
        {
            if (await reports.ReadJsonAsync<LabelQaResult>(name.StartsWith("reports/", StringComparison.Ordinal) ? name["reports/".Length..] : name, cancellationToken) is { } qa)
            {
                annotators.AddRange(qa.Annotators);
                codes.AddRange(qa.Codes.Select(c => new ReportCode(c.Code, c.Severity, c.Count, c.Examples.FirstOrDefault()?.Finding.Subject)));
                foreach (var (label, counts) in qa.FindingsPerLabel)
                {
                    var into = perLabel.TryGetValue(label, out var seen) ? seen : perLabel[label] = [];
                    foreach (var (code, count) in counts)
                    {
                        into[code] = into.GetValueOrDefault(code) + count;
                    }
                }
            }
        }

        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var model = new QualityReportModel
        {
            Title = $"{dataset} version {version}",
            Kind = "version",
            Verdict = (info.GatePassed ? "Gate passed" : "Gate failed") + (info.GateWarnings > 0 ? $" with {info.GateWarnings} warning(s)" : string.Empty)
                + (info.Approval is { } a ? $", {a.Decision} by {a.By}" : string.Empty),
            Passed = info.GatePassed,
            Numbers =
            [
                new("images", info.Counts.Images.ToString("N0", inv)),
                new("boxes", info.Counts.Boxes.ToString("N0", inv)),
                new("added", info.Counts.Added.ToString("N0", inv)),
                new("removed", info.Counts.Removed.ToString("N0", inv)),
                new("relabelled", info.Counts.Relabelled.ToString("N0", inv)),
                .. info.Counts.Splits.Select(s => new KeyValuePair<string, string>(s.Key, s.Value.ToString("N0", inv))),
            ],
            Gate = gate,
            Codes = [.. codes.GroupBy(c => c.Code).Select(g => new ReportCode(g.Key, g.Max(c => c.Severity), g.Sum(c => c.Count), g.First().Example)).OrderByDescending(c => c.Severity).ThenByDescending(c => c.Count)],
            FindingsPerLabel = perLabel,
            Classes = info.Counts.BoxesPerLabel,
            BoxSizes = QualityReportModel.BucketBoxSizes(sides),
            Annotators = annotators,
            Lineage =
            [
                new("version id", info.Id),
                new("parent", info.Parent is { } parent ? $"version {parent} ({info.ParentId})" : "none (first version)"),
                new("batches", string.Join(", ", info.Lineage.Batches)),
                new("label QA reports", info.Lineage.QaReports.Count == 0 ? "none" : string.Join(", ", info.Lineage.QaReports)),
                new("gate file", gate is null ? info.Lineage.GateFile : $"{gate.GateFile} (version {gate.GateVersion}{(gate.GateSha256.Length > 0 ? $", sha256 {gate.GateSha256[..12]}…" : string.Empty)})"),
                new("promotion run", $"{info.Lineage.InstanceId} (OpenLineage run {info.Lineage.RunId})"),
                new("published", $"{info.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC by pipeline {info.CodeVersion}"),
            ],
            GeneratedAt = time.GetUtcNow(),
        };
        return QualityReportPage.Render(model);
    }

    /// <summary>The dataset layouts the batch's files make (<see cref="DatasetFiles.Layouts"/>) and how many layout files it holds; none when it has none.</summary>
    private static List<KeyValuePair<string, string>> Layouts(string batch, IReadOnlyList<CatalogEntry> rows)
    {
        var layouts = DatasetFiles.Layouts([.. rows.Where(r => r.Name.StartsWith(batch + "/", StringComparison.Ordinal)).Select(r => r.Name[(batch.Length + 1)..])]);
        var files = rows.Count(r => r.Kind == CatalogKinds.Layout);
        return layouts.Count == 0 && files == 0 ? [] :
        [
            new("layouts", layouts.Count == 0 ? "none recognised" : string.Join("; ", layouts.Select(l => l.Describe()))),
            new("layout files (recognised, not judged)", files.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    private async Task<List<ReportImage>> ThumbnailsAsync(IEnumerable<CatalogEntry> rows, CancellationToken cancellationToken)
    {
        var images = new List<ReportImage>();
        foreach (var row in rows)
        {
            string? thumbnail = null;
            // Only accepted images are decoded for a preview (guarded like ingest); a rejected file never is.
            if (row is { Status: IngestStatus.Accepted, Kind: CatalogKinds.Image, StagedPath: { } staged }
                && await blobs.ReadStagedAsync(staged, cancellationToken) is { } bytes
                && await guard.ThumbnailAsync(bytes, 240, cancellationToken) is { } jpeg)
            {
                thumbnail = "data:image/jpeg;base64," + Convert.ToBase64String(jpeg);
            }

            images.Add(new ReportImage(row.Name, row.Status.Name(), [.. row.Findings.OrderByDescending(f => f.Severity)], thumbnail));
        }

        return images;
    }
}
