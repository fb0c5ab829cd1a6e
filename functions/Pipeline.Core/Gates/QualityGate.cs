using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Gates;

/// <summary>The kinds of expectation a gate can hold; docs/gates.md describes each.</summary>
public static class ExpectationKinds
{
    /// <summary>Added images (and label QA findings) without findings of a code, code prefix or severity.</summary>
    public const string NoFindings = "no_findings";

    /// <summary>At least <c>min</c> images in the version.</summary>
    public const string MinImages = "min_images";

    /// <summary>At least <c>min</c> images of every class.</summary>
    public const string MinImagesPerClass = "min_images_per_class";

    /// <summary>Boxes of the most common class ÷ boxes of the rarest at most <c>max</c>.</summary>
    public const string MaxImbalanceRatio = "max_imbalance_ratio";

    /// <summary>Every annotator's F1 against the consensus or ground truth at least <c>min</c>.</summary>
    public const string MinAnnotatorF1 = "min_annotator_f1";

    /// <summary>No near-duplicate pair split between train, val and test.</summary>
    public const string NoSplitLeakage = "no_split_leakage";

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } = [NoFindings, MinImages, MinImagesPerClass, MaxImbalanceRatio, MinAnnotatorF1, NoSplitLeakage];

    /// <summary>Kinds that count elements one by one, where <c>mostly</c> applies.</summary>
    public static bool TakesMostly(string kind) => kind is NoFindings or MinImagesPerClass or MinAnnotatorF1 or NoSplitLeakage;
}

/// <summary>When a person must approve a promotion.</summary>
public static class ApprovalModes
{
    /// <summary>Every promotion.</summary>
    public const string Always = "always";

    /// <summary>Never; a gate that passes publishes.</summary>
    public const string Never = "never";

    /// <summary>When a warning-severity expectation fails, or the image count changes by more than <c>whenImagesChangeBy</c>.</summary>
    public const string OnWarning = "on_warning";
}

/// <summary>One expectation of a gate.</summary>
/// <param name="Expect">Its kind (<see cref="ExpectationKinds"/>).</param>
/// <param name="Severity">error blocks the promotion; warning is reported (and can call for approval).</param>
/// <param name="Mostly">The fraction of elements that must meet it (Great Expectations' <c>mostly</c>); 1 when absent.</param>
/// <param name="Code">For <c>no_findings</c>: a finding code, or a prefix ending in <c>*</c> (<c>label.*</c>).</param>
/// <param name="FindingSeverity">For <c>no_findings</c>: only findings of this severity.</param>
/// <param name="Min">The lower bound, where the kind has one.</param>
/// <param name="Max">The upper bound, where the kind has one.</param>
/// <param name="Description">Why the expectation is there, for the report.</param>
public sealed record Expectation(
    string Expect,
    Severity Severity = Severity.Error,
    double? Mostly = null,
    string? Code = null,
    Severity? FindingSeverity = null,
    double? Min = null,
    double? Max = null,
    string? Description = null);

/// <summary>When a person must approve, and how long the promotion waits for one.</summary>
/// <param name="Required">always, never or on_warning (<see cref="ApprovalModes"/>).</param>
/// <param name="TimeoutHours">How long to wait before the promotion is abandoned (then nothing is published).</param>
/// <param name="WhenImagesChangeBy">With on_warning: also ask when the version's image count changes by more than this fraction of the parent's.</param>
public sealed record ApprovalPolicy(string Required = ApprovalModes.OnWarning, double TimeoutHours = 72, double? WhenImagesChangeBy = null);

/// <summary>
/// A dataset's quality gate, <c>gates/{dataset}.json</c> in <c>staging</c>: expectations over findings and
/// statistics, the split ratios, and when a person must approve. The file carries its own version number;
/// each published version records the gate's number and SHA-256.
/// </summary>
/// <param name="Version">The gate's own version, raised by whoever edits it.</param>
/// <param name="Expectations">What must hold.</param>
/// <param name="Splits">Split ratios (80/10/10 when absent).</param>
/// <param name="Approval">When a person must approve (on warning, 72 h, when absent).</param>
/// <param name="Description">What the gate is for.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record QualityGate(
    int Version,
    IReadOnlyList<Expectation> Expectations,
    SplitRatios? Splits = null,
    ApprovalPolicy? Approval = null,
    string? Description = null)
{
    /// <summary>The JSON Schema the file declares (editors use it; the pipeline ignores it).</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>The gate a dataset without a gate file is held to: no error findings, no split leakage, no approval.</summary>
    public static QualityGate Default { get; } = new(
        0,
        [
            new Expectation(ExpectationKinds.NoFindings, FindingSeverity: Severity.Error, Description: "No error findings (built-in default gate)."),
            new Expectation(ExpectationKinds.NoSplitLeakage, Description: "No near duplicates across splits (built-in default gate)."),
        ],
        Approval: new ApprovalPolicy(ApprovalModes.Never));

    /// <summary>The split ratios in force.</summary>
    [JsonIgnore]
    public SplitRatios SplitRatios => Splits ?? SplitRatios.Default;

    /// <summary>The approval policy in force.</summary>
    [JsonIgnore]
    public ApprovalPolicy ApprovalPolicy => Approval ?? new ApprovalPolicy();

    /// <summary>Reads a gate file, or says every way it is wrong (never throws on bad input).</summary>
    public static GateParse Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return new GateParse(null, [$"not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): the text is cut short or malformed"]);
        }

        QualityGate? gate;
        using (document)
        {
            if (GateShape.Problems(document.RootElement) is { Count: > 0 } shape)
            {
                return new GateParse(null, shape);
            }

            try
            {
                gate = document.RootElement.Deserialize<QualityGate>(Options);
            }
            catch (JsonException ex)
            {
                // The shape check above should leave nothing for the reader to refuse; say where, without its type names.
                return new GateParse(null, [$"{ex.Path ?? "$"}: not readable as a gate file"]);
            }
        }

        if (gate is null)
        {
            return new GateParse(null, ["not a gate file: null"]);
        }

        var problems = gate.Problems();
        return problems.Count == 0 ? new GateParse(gate, []) : new GateParse(null, problems);
    }

    /// <summary>Every rule the gate breaks (empty when it is usable).</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (Version < 0)
        {
            problems.Add("version must be 0 or more");
        }

        if (Expectations is null)
        {
            problems.Add("expectations are required (an empty list is allowed)");
        }

        if (Splits?.Problem() is { } split)
        {
            problems.Add(split);
        }

        var approval = ApprovalPolicy;
        if (approval.Required is not (ApprovalModes.Always or ApprovalModes.Never or ApprovalModes.OnWarning))
        {
            problems.Add($"approval.required must be always, never or on_warning, not '{approval.Required}'");
        }

        if (!double.IsFinite(approval.TimeoutHours) || approval.TimeoutHours <= 0 || approval.TimeoutHours > 24 * 30)
        {
            problems.Add("approval.timeoutHours must be more than 0 and at most 720");
        }

        if (approval.WhenImagesChangeBy is { } change && (!double.IsFinite(change) || change < 0))
        {
            problems.Add("approval.whenImagesChangeBy must be 0 or more");
        }

        for (var i = 0; i < (Expectations?.Count ?? 0); i++)
        {
            var e = Expectations![i];
            var at = $"expectations[{i}] ({e.Expect})";
            if (!ExpectationKinds.All.Contains(e.Expect))
            {
                problems.Add($"expectations[{i}]: unknown kind '{e.Expect}'; known: {string.Join(", ", ExpectationKinds.All)}");
                continue;
            }

            if (e.Mostly is { } mostly && (!ExpectationKinds.TakesMostly(e.Expect) || !double.IsFinite(mostly) || mostly <= 0 || mostly > 1))
            {
                problems.Add(ExpectationKinds.TakesMostly(e.Expect) ? $"{at}: mostly must be more than 0 and at most 1" : $"{at}: mostly does not apply (it counts no elements)");
            }

            var needsMin = e.Expect is ExpectationKinds.MinImages or ExpectationKinds.MinImagesPerClass or ExpectationKinds.MinAnnotatorF1;
            var needsMax = e.Expect is ExpectationKinds.MaxImbalanceRatio;
            if (needsMin != e.Min.HasValue || (e.Min is { } min && (!double.IsFinite(min) || min < 0)))
            {
                problems.Add(needsMin ? $"{at}: min is required and must be 0 or more" : $"{at}: min does not apply");
            }

            if (needsMax != e.Max.HasValue || (e.Max is { } max && (!double.IsFinite(max) || max < 1)))
            {
                problems.Add(needsMax ? $"{at}: max is required and must be 1 or more" : $"{at}: max does not apply");
            }

            if (e.Expect == ExpectationKinds.MinAnnotatorF1 && e.Min > 1)
            {
                problems.Add($"{at}: an F1 is at most 1");
            }

            if (e.Expect != ExpectationKinds.NoFindings && (e.Code is not null || e.FindingSeverity is not null))
            {
                problems.Add($"{at}: code and findingSeverity apply only to no_findings");
            }

            if (e.Expect == ExpectationKinds.NoFindings && e.Code is { } code && code != "*" && !CodePatterns.IsValid(code))
            {
                problems.Add($"{at}: code '{code}' is not a finding code or a prefix like 'label.*'");
            }
        }

        return problems;
    }

    /// <summary>How gate files are read: camelCase names, severities as words, unknown properties refused.</summary>
    public static JsonSerializerOptions Options { get; } = new(PipelineJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };
}

/// <summary>A gate file read: the gate, or why it cannot be used.</summary>
public sealed record GateParse(QualityGate? Gate, IReadOnlyList<string> Problems);

/// <summary>A dataset's gate as read from storage.</summary>
/// <param name="Gate">The gate in force (the built-in default when the dataset has no file), or null when its file is invalid.</param>
/// <param name="File">Where it was read from (<c>staging/gates/{dataset}.json</c>), or "default".</param>
/// <param name="Sha256">The file's SHA-256 (empty for the default).</param>
/// <param name="Problems">Why the file is invalid.</param>
public sealed record LoadedGate(QualityGate? Gate, string File, string Sha256, IReadOnlyList<string> Problems)
{
    /// <summary>Reads the dataset's gate file (<c>staging/gates/{dataset}.json</c>): the default when there is none.</summary>
    public static async Task<LoadedGate> ReadAsync(Datasets.IPromotionBlobs blobs, string dataset, CancellationToken cancellationToken)
    {
        if (await blobs.ReadGateAsync(dataset, cancellationToken) is not { } bytes)
        {
            return new LoadedGate(QualityGate.Default, "default", string.Empty, []);
        }

        var parsed = QualityGate.Parse(bytes);
        return new LoadedGate(parsed.Gate, $"staging/gates/{dataset}.json", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), parsed.Problems);
    }
}
