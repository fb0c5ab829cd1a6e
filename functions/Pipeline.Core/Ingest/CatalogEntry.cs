using System.Text.Json.Serialization;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;

namespace Pipeline.Core.Ingest;

/// <summary>What became of one incoming file.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IngestStatus>))]
public enum IngestStatus
{
    /// <summary>Staged under its content hash (warnings and info are kept with it).</summary>
    [JsonStringEnumMemberName("accepted")]
    Accepted,

    /// <summary>In quarantine with its reasons.</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected,

    /// <summary>Ingest failed on every retry (poison); the file was not judged.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>Facts about <see cref="IngestStatus"/> values.</summary>
public static class IngestStatuses
{
    /// <summary>The lowercase word used in rows, records, spans and metrics (as in JSON).</summary>
    public static string Name(this IngestStatus status) => status switch
    {
        IngestStatus.Accepted => "accepted",
        IngestStatus.Rejected => "rejected",
        _ => "failed",
    };
}

/// <summary>The catalog row of one incoming blob: what it was, when it was read, and what was decided.</summary>
/// <param name="Name">Blob name in <c>incoming</c> (batch first).</param>
/// <param name="Batch">The batch: the name's first segment.</param>
/// <param name="Dataset">The dataset the upload belongs to (its <c>dataset</c> metadata, or the default).</param>
/// <param name="SourceETag">The version of the blob that was judged; empty when it was never read.</param>
/// <param name="Status">The verdict.</param>
/// <param name="Sha256">Hex SHA-256 of the bytes judged; empty when they were never read.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Format">Format name (jpeg, png, ...).</param>
/// <param name="Width">Pixels, when known.</param>
/// <param name="Height">Pixels, when known.</param>
/// <param name="Frames">Frames declared.</param>
/// <param name="Orientation">EXIF orientation, when present.</param>
/// <param name="Quality">Image statistics, when decoded.</param>
/// <param name="Findings">Every finding.</param>
/// <param name="StagedPath">Blob name in <c>staging</c>, when accepted.</param>
/// <param name="QuarantinePath">Blob name in <c>quarantine</c>, when rejected.</param>
/// <param name="DuplicateOf">The incoming blob first ingested with the same bytes, when this is an exact duplicate.</param>
/// <param name="IngestedAt">When the verdict was written.</param>
/// <param name="Kind">"image", or "labels" for an annotation file (then <paramref name="Format"/> is coco, yolo or voc).</param>
/// <param name="Annotations">For an annotation file: the boxes it holds.</param>
/// <param name="Promoted">The dataset version that added its image to production (<c>{dataset}@{n}</c>), once promoted.</param>
/// <param name="TraceParent">The W3C trace context of the ingest span that judged it: later work on the file (label QA, promotion) links to it.</param>
/// <param name="Recheck">The latest backfill's findings under newer rules, kept beside the ingest findings (which never change).</param>
public sealed record CatalogEntry(
    string Name,
    string Batch,
    string Dataset,
    string SourceETag,
    IngestStatus Status,
    string Sha256,
    long Length,
    string Format,
    int? Width,
    int? Height,
    int Frames,
    int? Orientation,
    ImageQuality? Quality,
    IReadOnlyList<Finding> Findings,
    string? StagedPath,
    string? QuarantinePath,
    string? DuplicateOf,
    DateTimeOffset IngestedAt,
    string Kind = CatalogKinds.Image,
    int? Annotations = null,
    string? Promoted = null,
    string? TraceParent = null,
    ImageRecheck? Recheck = null)
{
    /// <summary>The findings under the newest rules the image was checked with: the backfill's when there was one, else the ingest's.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Finding> CurrentFindings => Recheck?.Findings ?? Findings;
}

/// <summary>An image checked again by a backfill under newer rules.</summary>
/// <param name="Rules">The rules' version (<see cref="Findings.RulesVersions.Images"/>).</param>
/// <param name="At">When.</param>
/// <param name="Findings">The findings under those rules (the guard's, plus the ingest's findings about other images).</param>
/// <param name="Verdict">What the rules would decide now (a published image is never taken back by it).</param>
public sealed record ImageRecheck(string Rules, DateTimeOffset At, IReadOnlyList<Finding> Findings, IngestStatus Verdict);

/// <summary>The kinds of file the catalog records.</summary>
public static class CatalogKinds
{
    /// <summary>An image.</summary>
    public const string Image = "image";

    /// <summary>An annotation file (COCO, YOLO, Pascal VOC).</summary>
    public const string Labels = "labels";

    /// <summary>A file a dataset layout writes that holds no boxes (a split list, a config, a label map, a mask, a README): recorded, never judged.</summary>
    public const string Layout = "layout";

    /// <summary>A file nothing here recognises: recorded with an info finding and skipped.</summary>
    public const string Other = "other";
}

/// <summary>The content index: the first accepted upload of some bytes, and what the guard found in them.</summary>
/// <param name="Sha256">Hex SHA-256 of the bytes.</param>
/// <param name="Name">The incoming blob they first came in as.</param>
/// <param name="StagedPath">Where they are staged.</param>
/// <param name="Inspection">The guard's result, reused for later uploads of the same bytes.</param>
public sealed record ContentEntry(string Sha256, string Name, string StagedPath, ImageInspection Inspection);
