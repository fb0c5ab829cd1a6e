using Pipeline.Core.Findings;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Ingest;

/// <summary>Annotation files arriving in <c>incoming</c> like images: read, judged and filed against their batch.</summary>
public sealed partial class IngestService
{
    /// <summary>Where accepted annotation files go in <c>staging</c>: by content hash, keeping the extension.</summary>
    public static string StagedLabelNameFor(string sha256, string name) => $"labels/{sha256}{Path.GetExtension(name).ToLowerInvariant()}";

    /// <summary>
    /// Judges an annotation file on its own: over the size cap or unreadable (invalid or truncated JSON/XML, a
    /// DTD, the wrong shape) it goes to quarantine with its reasons; otherwise it is staged under its hash and its
    /// catalog row records the format, the boxes and the problems found in the file alone. Checks that need the
    /// batch's images and its other annotation files belong to label QA.
    /// </summary>
    private async Task<CatalogEntry?> JudgeLabelsAsync(IncomingBlob blob, LabelFormat format, CancellationToken cancellationToken)
    {
        var name = blob.Name;
        var cap = labelOptions.Value.MaxFileBytes;
        if (blob.Length > cap)
        {
            var quarantine = BlobNames.QuarantineNameFor(name);
            if (!await store.QuarantineCopyAsync(name, blob.ETag, quarantine, cancellationToken))
            {
                return null;
            }

            var tooLarge = new Finding(FindingCodes.LabelFileTooLarge, Severity.Error, blob.Length, cap, $"The annotation file is {blob.Length:N0} bytes, over the {cap:N0}-byte cap; it was not read.", name);
            return await WriteReasonsAsync(LabelEntry(blob, string.Empty, format, [tooLarge], null, IngestStatus.Rejected, quarantinePath: quarantine), cancellationToken);
        }

        // One sequential read, hashed as it is parsed: a large file is never held whole in memory, and its copies
        // (staging or quarantine) are made inside storage under the same ETag.
        string sha;
        LabelDocument? document;
        await using (var source = await store.OpenIncomingAsync(name, blob.ETag, cap, cancellationToken))
        {
            if (source is null)
            {
                return null;
            }

            using var hashing = new HashingReadStream(source);
            (document, var side) = Read(format, name, hashing);
            sha = hashing.Finish();
            if (document is null)
            {
                // A list of images is kept whatever its name: a data.yaml may name it as a split (train: train2017.txt).
                return side!.Role == FileRole.Layout && (DatasetSplits.SplitOf(name) is not null || side.Kind == DatasetFiles.ImageListKind)
                    ? await StageSideAsync(blob, sha, side, cancellationToken)
                    : SideEntry(blob, side!);
            }
        }

        var findings = document.Findings;
        if (findings.Any(f => f.Code == FindingCodes.LabelFileInvalid))
        {
            var quarantine = BlobNames.QuarantineNameFor(name);
            if (!await store.QuarantineCopyAsync(name, blob.ETag, quarantine, cancellationToken))
            {
                return null;
            }

            return await WriteReasonsAsync(LabelEntry(blob, sha, format, findings, null, IngestStatus.Rejected, quarantinePath: quarantine), cancellationToken);
        }

        var staged = StagedLabelNameFor(sha, name);
        var metadata = new Dictionary<string, string>
        {
            ["sha256"] = sha,
            ["batch"] = Uri.EscapeDataString(BlobNames.BatchOf(name)),
            ["source"] = Uri.EscapeDataString(name),
            ["format"] = format.ToString().ToLowerInvariant(),
        };
        var contentType = format == LabelFormat.Voc ? "application/xml" : format == LabelFormat.Coco ? "application/json" : "text/plain";
        if (await store.StageCopyAsync(name, blob.ETag, staged, contentType, metadata, cancellationToken) is null)
        {
            return null; // overwritten since it was read: the new version is judged on its own event
        }

        return LabelEntry(blob, sha, document.Format, findings, document.Boxes.Count, IngestStatus.Accepted, stagedPath: staged);
    }

    /// <summary>
    /// The file read as labels, or, for a text file whose lines are not label lines (an image list, prose) or a JSON
    /// object that is no COCO file (a dataset card), what it is instead.
    /// </summary>
    private static (LabelDocument? Document, FileKind? Side) Read(LabelFormat format, string name, Stream stream)
    {
        var fileName = BlobNames.FileNameOf(name);
        switch (format)
        {
            case LabelFormat.Coco:
                var coco = CocoReader.Read(stream, fileName, keepSegmentation: false);
                return coco.NotAnnotations ? (null, FileKind.Unrecognised) : (coco, null);
            case LabelFormat.Voc:
                return (VocReader.Read([(fileName, stream)]), null);
            default:
                string text;
                using (var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
                {
                    text = reader.ReadToEnd();
                }

                if (YoloFormat.IsClassList(fileName))
                {
                    // A class list: read for its names; it has no boxes of its own.
                    return (YoloFormat.Read(YoloFormat.ReadClassList(fileName, text), Array.Empty<(string, string)>(), fileName), null);
                }

                if (DatasetFiles.SniffText(name, text) is { Role: not FileRole.Annotations } side)
                {
                    return (null, side);
                }

                // One image's label lines; the class list is another file of the batch, judged by label QA.
                var labels = YoloFormat.Read(null, [(fileName, text)], fileName);
                labels.Findings.RemoveAll(f => f.Code == FindingCodes.LabelMissingCategories);
                return (labels, null);
        }
    }

    /// <summary>Where a dataset's split lists go in <c>staging</c>, by content hash: promotion reads them to keep the dataset's own split.</summary>
    public static string StagedSplitListNameFor(string sha256) => $"{StagedSplitListFolder}{sha256}.txt";

    /// <summary>The folder of <c>staging</c> that holds split lists (<see cref="StagedSplitListNameFor"/>).</summary>
    public const string StagedSplitListFolder = "splits/";

    /// <summary>A split list known by its name (VOC's <c>ImageSets/Main/train.txt</c>) or a label map: hashed and staged, never judged.</summary>
    private async Task<CatalogEntry?> StageSplitListAsync(IncomingBlob blob, FileKind kind, CancellationToken cancellationToken)
    {
        if (blob.Length > labelOptions.Value.MaxFileBytes)
        {
            return SideEntry(blob, kind); // recorded as what it is; too large to keep as a split
        }

        string sha;
        await using (var source = await store.OpenIncomingAsync(blob.Name, blob.ETag, labelOptions.Value.MaxFileBytes, cancellationToken))
        {
            if (source is null)
            {
                return null;
            }

            using var hashing = new HashingReadStream(source);
            await hashing.CopyToAsync(Stream.Null, cancellationToken);
            sha = hashing.Finish();
        }

        return await StageSideAsync(blob, sha, kind, cancellationToken);
    }

    /// <summary>A split list or label map staged under its hash (<see cref="StagedSplitListNameFor"/>, <see cref="StagedLabelMapNameFor"/>), its row a layout row that says where.</summary>
    private async Task<CatalogEntry?> StageSideAsync(IncomingBlob blob, string sha, FileKind kind, CancellationToken cancellationToken)
    {
        var staged = SegmentationMasks.IsLabelMap(blob.Name) ? StagedLabelMapNameFor(sha) : StagedSplitListNameFor(sha);
        var metadata = new Dictionary<string, string>
        {
            ["sha256"] = sha,
            ["batch"] = Uri.EscapeDataString(BlobNames.BatchOf(blob.Name)),
            ["source"] = Uri.EscapeDataString(blob.Name),
        };
        if (await store.StageCopyAsync(blob.Name, blob.ETag, staged, "text/plain", metadata, cancellationToken) is null)
        {
            return null; // overwritten since it was read: the new version is judged on its own event
        }

        return SideEntry(blob, kind) with { Sha256 = sha, StagedPath = staged };
    }

    /// <summary>
    /// The row of a file that is neither judged as an image nor as labels: a layout file (split list, config, label
    /// map, mask, README) or one nothing recognises. Accepted with one info finding that says which; nothing is
    /// quarantined, and only split lists, label maps and masks are staged (<see cref="StageSideAsync"/>, <see cref="JudgeMaskAsync"/>).
    /// </summary>
    private CatalogEntry SideEntry(IncomingBlob blob, FileKind kind) =>
        new(blob.Name, BlobNames.BatchOf(blob.Name), DatasetOf(blob), blob.ETag, IngestStatus.Accepted, string.Empty, blob.Length,
            kind.Role == FileRole.Layout ? kind.Kind : "unknown", null, null, 0, null, null, [DatasetFiles.NoteFor(blob.Name, kind)!], null, null, null,
            time.GetUtcNow(), kind.Role == FileRole.Layout ? CatalogKinds.Layout : CatalogKinds.Other, null);

    private CatalogEntry LabelEntry(
        IncomingBlob blob, string sha, LabelFormat format, IReadOnlyList<Finding> findings, int? annotations, IngestStatus status,
        string? stagedPath = null, string? quarantinePath = null) =>
        new(blob.Name, BlobNames.BatchOf(blob.Name), DatasetOf(blob), blob.ETag, status, sha, blob.Length, format.ToString().ToLowerInvariant(),
            null, null, 0, null, null, findings, stagedPath, quarantinePath, null, time.GetUtcNow(), CatalogKinds.Labels, annotations);
}
