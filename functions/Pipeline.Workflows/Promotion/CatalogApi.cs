using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Health;
using Pipeline.Core.Ingest;

namespace Pipeline.Workflows.Promotion;

/// <summary>
/// What the pipeline knows, looked up: the datasets (<c>GET datasets</c>) and a dataset's images by batch, verdict,
/// finding and label (<c>GET datasets/{dataset}/catalog</c>). Host-agnostic, as <see cref="DatasetApi"/>.
/// </summary>
public sealed class CatalogApi(IDatasetRegistry registry, IImageCatalog catalog, IPromotionBlobs blobs, IHealthStore health)
{
    /// <summary>The most rows one answer lists.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>
    /// GET datasets: every dataset with a recorded batch, its current and latest version, its batches, and its latest
    /// health check (status, when, and the newest image that check saw: the last ingest as of then).
    /// </summary>
    public async Task<ApiResult> ListDatasetsAsync(CancellationToken cancellationToken)
    {
        var list = new List<object>();
        await foreach (var dataset in registry.ListDatasetsAsync(cancellationToken))
        {
            var pointer = await registry.GetPointerAsync(dataset, cancellationToken);
            var batches = await registry.ListBatchesAsync(dataset, cancellationToken).CountAsync(cancellationToken);
            var latest = await health.LatestAsync(dataset, cancellationToken);

            list.Add(new
            {
                dataset,
                current = pointer.Current,
                latest = pointer.Latest == 0 ? (int?)null : pointer.Latest,
                batches,
                lastIngest = latest?.Snapshot.Freshness.NewestImageAt,
                health = latest is null ? null : new { status = latest.Status, at = latest.At },
            });
        }

        return new ApiResult(200, new { datasets = list });
    }

    /// <summary>
    /// GET datasets/{dataset}/catalog?batch=&amp;status=&amp;finding=&amp;label=&amp;limit=: the dataset's images (catalog rows of
    /// kind image) that match every filter given: a batch (else all the dataset's recorded batches are read: the cost
    /// grows with the dataset, so give the batch when you know it), a verdict (<c>accepted</c>, <c>rejected</c>), a
    /// finding code or family (<c>image.*</c>; the findings under the newest rules), a label (images of the current
    /// version with a box of that label: labels are known once published). At most <paramref name="limitText"/> rows
    /// (default 1,000, at most 10,000); <c>truncated</c> says when more matched.
    /// </summary>
    public async Task<ApiResult> QueryAsync(string dataset, string? batch, string? status, string? finding, string? label, string? limitText, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (batch is not null && Labels.BatchApi.BatchProblem(batch) is { } badBatch)
        {
            return badBatch;
        }

        if (status is not (null or "accepted" or "rejected" or "failed"))
        {
            return ApiResult.BadRequest($"status '{status}' is not one of accepted, rejected, failed.");
        }

        if (finding is not null && !CodePatterns.IsValid(finding))
        {
            return ApiResult.BadRequest($"finding '{finding}' is not a finding code (image.blurry) or a family (image.*).");
        }

        if (label is { Length: 0 or > 200 })
        {
            return ApiResult.BadRequest("label must be 1 to 200 characters.");
        }

        var limit = 1000;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return ApiResult.BadRequest($"limit '{limitText}' is not a whole number from 1 to {MaxLimit:N0}.");
        }

        IReadOnlySet<string>? labelled = null;
        if (label is not null)
        {
            labelled = await ImagesWithLabelAsync(dataset, label, cancellationToken);
        }

        var batches = batch is not null ? [batch] : await registry.ListBatchesAsync(dataset, cancellationToken).Select(b => b.Batch).ToListAsync(cancellationToken);
        var rows = new List<object>();
        var truncated = false;
        foreach (var b in batches.Order(StringComparer.Ordinal))
        {
            await foreach (var row in catalog.ListBatchAsync(b, cancellationToken))
            {
                if (row.Kind != CatalogKinds.Image || row.Dataset != dataset
                    || (status is not null && IngestStatuses.Name(row.Status) != status)
                    || (finding is not null && !row.CurrentFindings.Any(f => CodePatterns.Matches(finding, f.Code)))
                    || (labelled is not null && !labelled.Contains(row.Sha256)))
                {
                    continue;
                }

                if (rows.Count == limit)
                {
                    truncated = true;
                    break;
                }

                rows.Add(new
                {
                    row.Name,
                    row.Batch,
                    Status = IngestStatuses.Name(row.Status),
                    row.Sha256,
                    row.Format,
                    row.Width,
                    row.Height,
                    Findings = row.CurrentFindings.Select(f => f.Code).Distinct().ToList(),
                    row.IngestedAt,
                    row.Promoted,
                });
            }

            if (truncated)
            {
                break;
            }
        }

        return new ApiResult(200, new { dataset, count = rows.Count, truncated, images = rows });
    }

    /// <summary>The ingested hashes of the current version's images with a box of <paramref name="label"/> (none before the first version).</summary>
    private async Task<IReadOnlySet<string>> ImagesWithLabelAsync(string dataset, string label, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if ((await registry.GetPointerAsync(dataset, cancellationToken)).Current is not { } current)
        {
            return found;
        }

        await using var manifest = await blobs.OpenProductionAsync(PromotionService.VersionFile(dataset, current, "manifest.jsonl"), cancellationToken);
        if (manifest is not null)
        {
            await foreach (var entry in DatasetManifest.ReadAsync(manifest, cancellationToken))
            {
                if (entry.Labels.Any(b => b.Label == label))
                {
                    found.Add(entry.OriginalSha256);
                }
            }
        }

        return found;
    }
}
