using System.Text.Json.Serialization;

namespace Pipeline.Core.Findings;

/// <summary>
/// One result of one check: a stable dotted code, a severity, the value seen and the threshold it was
/// held against, and a sentence for a person. Checks return findings; they do not throw.
/// </summary>
/// <param name="Code">Stable, dotted, lowercase code, e.g. <c>image.truncated</c>; see docs/checks.md.</param>
/// <param name="Severity">Whether the finding rejects the file (error) or is recorded with it.</param>
/// <param name="Value">The measured value, where the check measures one.</param>
/// <param name="Threshold">The limit the value was held against, where there is one.</param>
/// <param name="Message">What is wrong, in words a user can act on.</param>
/// <param name="Subject">What else the finding names, e.g. the image a duplicate duplicates.</param>
/// <param name="SubjectSha256">The SHA-256 of the subject's bytes, where the subject is an image (so a reader needs no look-up).</param>
public sealed record Finding(
    string Code,
    Severity Severity,
    double? Value,
    double? Threshold,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subject = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SubjectSha256 = null)
{
    /// <summary>An error finding.</summary>
    public static Finding Error(string code, string message, double? value = null, double? threshold = null) =>
        new(code, Severity.Error, value, threshold, message);

    /// <summary>A warning finding.</summary>
    public static Finding Warning(string code, string message, double? value = null, double? threshold = null) =>
        new(code, Severity.Warning, value, threshold, message);

    /// <summary>An informational finding.</summary>
    public static Finding Info(string code, string message, double? value = null, double? threshold = null) =>
        new(code, Severity.Info, value, threshold, message);
}
