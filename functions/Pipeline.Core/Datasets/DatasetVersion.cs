namespace Pipeline.Core.Datasets;

/// <summary>Who decided on a promotion that needed a person, and when.</summary>
/// <param name="Decision">approved, rejected or timed_out.</param>
/// <param name="By">The approver's name as given (empty for a time-out).</param>
/// <param name="At">When the decision arrived.</param>
/// <param name="Comment">What the approver wrote, if anything.</param>
public sealed record ApprovalRecord(string Decision, string By, DateTimeOffset At, string? Comment = null);

/// <summary>What a version came from: the batches, their label QA reports and the gate.</summary>
/// <param name="Batches">Batches whose images were added in this version.</param>
/// <param name="QaReports">The label QA reports of those batches (<c>reports/…/qa.json</c>) that existed.</param>
/// <param name="GateFile">The gate file the promotion was held to (blob name) and its SHA-256.</param>
/// <param name="GateResult">The stored gate result (blob name in <c>reports</c>).</param>
/// <param name="RunId">The promotion's OpenLineage run id.</param>
/// <param name="InstanceId">The orchestration instance that published it.</param>
public sealed record VersionLineage(
    IReadOnlyList<string> Batches,
    IReadOnlyList<string> QaReports,
    string GateFile,
    string GateResult,
    string RunId,
    string InstanceId);

/// <summary>Counts of a version.</summary>
/// <param name="Images">Images.</param>
/// <param name="Bytes">Published bytes.</param>
/// <param name="Boxes">Boxes.</param>
/// <param name="Added">Images not in the parent.</param>
/// <param name="Removed">Parent images left out.</param>
/// <param name="Relabelled">Images whose boxes changed since the parent.</param>
/// <param name="LocationStripped">Images published with location metadata removed.</param>
/// <param name="Splits">Images per split.</param>
/// <param name="BoxesPerLabel">Boxes per class.</param>
/// <param name="SplitByDataset">Images whose split the dataset's own lists or folders gave (VOC ImageSets, YOLO lists, split folders); the others' came from the gate's ratios.</param>
public sealed record VersionCounts(
    int Images, long Bytes, int Boxes, int Added, int Removed, int Relabelled, int LocationStripped,
    IReadOnlyDictionary<string, int> Splits, IReadOnlyDictionary<string, int> BoxesPerLabel, int SplitByDataset = 0);

/// <summary>
/// <c>versions/{n}/dataset.json</c>: an immutable published version. Its <see cref="Id"/> is the SHA-256 of
/// its manifest, so two versions with the same content have the same id whatever their numbers.
/// </summary>
/// <param name="Id">Hex SHA-256 of <c>manifest.jsonl</c>.</param>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">Its number (1, 2, ...).</param>
/// <param name="Parent">The number of the version it was built on, if any.</param>
/// <param name="ParentId">That version's id.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="GatePassed">Whether every error-severity expectation held.</param>
/// <param name="GateWarnings">Warning-severity expectations that failed.</param>
/// <param name="Approval">The approval, when one was needed.</param>
/// <param name="Counts">Counts.</param>
/// <param name="Files">The version's files, relative to the dataset's folder.</param>
/// <param name="Lineage">What it came from.</param>
/// <param name="CodeVersion">The pipeline build that published it.</param>
public sealed record DatasetVersion(
    string Id,
    string Dataset,
    int Version,
    int? Parent,
    string? ParentId,
    DateTimeOffset CreatedAt,
    bool GatePassed,
    int GateWarnings,
    ApprovalRecord? Approval,
    VersionCounts Counts,
    IReadOnlyDictionary<string, string> Files,
    VersionLineage Lineage,
    string CodeVersion)
{
    /// <summary>The folder of version <paramref name="version"/> inside the dataset's folder.</summary>
    public static string Folder(int version) => $"versions/{version}";

    /// <summary>The pipeline build: the core assembly's informational version.</summary>
    public static string CurrentCodeVersion { get; } =
        typeof(DatasetVersion).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
}

/// <summary>A row of a dataset's version list.</summary>
/// <param name="Version">Its number.</param>
/// <param name="Id">Its id.</param>
/// <param name="CreatedAt">When it was published.</param>
/// <param name="Images">Images.</param>
/// <param name="Current">Whether the dataset's pointer is on it.</param>
public sealed record VersionListing(int Version, string Id, DateTimeOffset CreatedAt, int Images, bool Current);
