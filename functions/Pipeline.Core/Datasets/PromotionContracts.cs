namespace Pipeline.Core.Datasets;

/// <summary>A request to promote a dataset's staged images into a new version.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Batches">The batches to take images from; all the dataset's batches when null.</param>
/// <param name="Remove">Published images (ingested SHA-256) to leave out of the new version.</param>
/// <param name="RequestedBy">Who asked, for the record.</param>
public sealed record PromotionRequest(string Dataset, IReadOnlyList<string>? Batches = null, IReadOnlyList<string>? Remove = null, string? RequestedBy = null);

/// <summary>The plan of one promotion, with the gate's verdict. Everything bulky is in the work folder; this is small.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The number the new version will have.</param>
/// <param name="Parent">The version it builds on (the current one), if any.</param>
/// <param name="ParentId">That version's id.</param>
/// <param name="WorkFolder">Where the plan's files are, in <c>reports</c>.</param>
/// <param name="Images">Images in the new version.</param>
/// <param name="Added">Images not in the parent.</param>
/// <param name="Removed">Parent images left out.</param>
/// <param name="Relabelled">Parent images whose boxes change.</param>
/// <param name="Chunks">Chunks of images to copy.</param>
/// <param name="GatePassed">Whether every error expectation held.</param>
/// <param name="GateWarnings">Warning expectations that failed.</param>
/// <param name="ApprovalRequired">Whether a person must approve.</param>
/// <param name="ApprovalReasons">Why.</param>
/// <param name="ApprovalTimeoutHours">How long to wait for the approval.</param>
/// <param name="Batches">The batches read (all the dataset's batches but those a version on the current line took whole and that did not change since, unless the request named them).</param>
/// <param name="Problem">Why the promotion cannot go ahead at all (an invalid gate file, an unknown batch), or null.</param>
/// <param name="Resumed">
/// Whether this is the plan of the current version, published by a run that stopped before it finished: the
/// steps after the publish are run again (the ones before it are idempotent and find their work done).
/// </param>
/// <param name="PlannedAt">When the plan began reading the catalog (this machine's clock).</param>
/// <param name="BatchesSkipped">Batches not read: an earlier version took them whole and they did not change since.</param>
public sealed record PromotionPlan(
    string Dataset, int Version, int? Parent, string? ParentId, string WorkFolder,
    int Images, int Added, int Removed, int Relabelled, int Chunks,
    bool GatePassed, int GateWarnings, bool ApprovalRequired, IReadOnlyList<string> ApprovalReasons, double ApprovalTimeoutHours,
    IReadOnlyList<string> Batches, string? Problem = null, bool Resumed = false, DateTimeOffset? PlannedAt = null, int BatchesSkipped = 0)
{
    /// <summary>Whether the new version would equal its parent.</summary>
    public bool Unchanged => Parent is not null && Added == 0 && Removed == 0 && Relabelled == 0;
}

/// <summary>One chunk of a planned version: what the copy, verify and mark steps need to find it.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The planned version.</param>
/// <param name="WorkFolder">The plan's work folder.</param>
/// <param name="Chunk">The chunk's index.</param>
public sealed record ChunkRef(string Dataset, int Version, string WorkFolder, int Chunk);

/// <summary>One image to copy from staging to production.</summary>
/// <param name="OriginalSha256">Its ingested hash.</param>
/// <param name="StagedPath">Where it is in <c>staging</c>.</param>
/// <param name="Format">Its format (the published file's extension).</param>
/// <param name="CatalogNames">The incoming blobs it came in as (marked promoted at the end).</param>
/// <param name="TraceParent">The trace context of its ingest span, linked from the copy's span.</param>
public sealed record PlannedCopy(string OriginalSha256, string StagedPath, string Format, IReadOnlyList<string> CatalogNames, string? TraceParent = null);

/// <summary>One image as copied: its published hash and size.</summary>
/// <param name="OriginalSha256">Its ingested hash.</param>
/// <param name="Sha256">The hash of the published bytes.</param>
/// <param name="Size">Published bytes.</param>
/// <param name="LocationStripped">Whether location metadata was removed.</param>
public sealed record CopiedImage(string OriginalSha256, string Sha256, long Size, bool LocationStripped);

/// <summary>What one chunk step did.</summary>
/// <param name="Images">Images handled.</param>
/// <param name="Written">Blobs written (copied, or rows marked).</param>
/// <param name="Bytes">Bytes copied or verified.</param>
public sealed record ChunkOutcome(int Images, int Written, long Bytes);

/// <summary>A person's answer to a promotion waiting for approval.</summary>
/// <param name="Approved">Approve or reject.</param>
/// <param name="By">Who.</param>
/// <param name="Comment">Why, if they said.</param>
public sealed record ApprovalDecision(bool Approved, string By, string? Comment = null);

/// <summary>The input of the version-writing step.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Approval">The approval, when one was needed.</param>
/// <param name="RunId">The promotion's lineage run id.</param>
/// <param name="InstanceId">The orchestration instance.</param>
public sealed record WriteVersionInput(PromotionPlan Plan, ApprovalRecord? Approval, string RunId, string InstanceId);

/// <summary>How a promotion ended.</summary>
public static class PromotionOutcomes
{
    /// <summary>A new version was published and the pointer moved to it.</summary>
    public const string Published = "published";

    /// <summary>Nothing changed since the current version; nothing was published.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>The version would hold no image (none accepted, or all removed); nothing was published.</summary>
    public const string Empty = "empty";

    /// <summary>An error expectation of the gate failed.</summary>
    public const string GateFailed = "gate_failed";

    /// <summary>The approver rejected it.</summary>
    public const string Rejected = "rejected";

    /// <summary>Nobody approved it in time.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>It could not start (invalid gate file, unknown batch).</summary>
    public const string Invalid = "invalid";
}

/// <summary>The result of a promotion run.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Outcome">One of <see cref="PromotionOutcomes"/>.</param>
/// <param name="Version">The version published (or planned, when nothing was published).</param>
/// <param name="Id">The published version's id.</param>
/// <param name="Images">Images in it.</param>
/// <param name="Added">Images added.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record PromotionResult(string Dataset, string Outcome, int Version, string? Id, int Images, int Added, string Message);
