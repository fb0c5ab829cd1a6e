using System.Text.Json;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Ingest;

/// <summary>Segmentation masks arriving in <c>incoming</c>: read as masks (never scored as photographs) and kept for label QA.</summary>
public sealed partial class IngestService
{
    /// <summary>Where a mask's colours go in <c>staging</c> (<see cref="MaskPixels"/> as JSON, by the mask's hash): label QA checks them against the batch.</summary>
    public static string StagedMaskNameFor(string sha256) => $"{StagedMaskFolder}{sha256}.json";

    /// <summary>The folder of <c>staging</c> that holds masks' colours (<see cref="StagedMaskNameFor"/>).</summary>
    public const string StagedMaskFolder = "masks/";

    /// <summary>Where a label map (CVAT's <c>labelmap.txt</c>) goes in <c>staging</c>: label QA reads its class colours.</summary>
    public static string StagedLabelMapNameFor(string sha256) => $"layout/{sha256}.txt";

    /// <summary>
    /// Reads a segmentation mask with the image guard's caps (<see cref="ImageGuard.ReadMaskAsync"/>). One that cannot
    /// be read as a mask (not a PNG, damaged, over the caps) goes to quarantine with its reasons; a readable one has its
    /// colours and size staged as JSON for label QA, which checks them against the batch's images and annotations.
    /// </summary>
    private async Task<CatalogEntry?> JudgeMaskAsync(IncomingBlob blob, FileKind kind, CancellationToken cancellationToken)
    {
        var name = blob.Name;
        MaskRead read;
        string sha;
        if (blob.Length > guard.Options.MaxBytes)
        {
            sha = string.Empty;
            read = new MaskRead(null, Finding.Error(FindingCodes.MaskUnreadable, $"The mask is {blob.Length:N0} bytes; the limit is {guard.Options.MaxBytes:N0}. It was not downloaded or decoded."));
        }
        else
        {
            var bytes = await store.DownloadIncomingAsync(name, blob.ETag, guard.Options.MaxBytes, cancellationToken);
            if (bytes is not { } data)
            {
                return null;
            }

            sha = ImageGuard.Sha256Hex(data.Span);
            read = await guard.ReadMaskAsync(data, cancellationToken);
        }

        var entry = SideEntry(blob, kind) with { Sha256 = sha };
        if (read.Pixels is not { } pixels)
        {
            var quarantine = BlobNames.QuarantineNameFor(name);
            if (!await store.QuarantineCopyAsync(name, blob.ETag, quarantine, cancellationToken))
            {
                return null;
            }

            return await WriteReasonsAsync(
                entry with { Status = IngestStatus.Rejected, QuarantinePath = quarantine, Findings = [.. entry.Findings, read.Problem! with { Subject = name }] },
                cancellationToken);
        }

        var staged = StagedMaskNameFor(sha);
        var metadata = new Dictionary<string, string>
        {
            ["sha256"] = sha,
            ["batch"] = Uri.EscapeDataString(BlobNames.BatchOf(name)),
            ["source"] = Uri.EscapeDataString(name),
        };
        await store.StageAsync(staged, JsonSerializer.SerializeToUtf8Bytes(pixels, PipelineJson.Options), "application/json", metadata, cancellationToken);
        return entry with { StagedPath = staged };
    }
}
