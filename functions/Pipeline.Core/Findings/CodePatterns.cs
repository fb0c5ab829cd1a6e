using System.Text.RegularExpressions;

namespace Pipeline.Core.Findings;

/// <summary>
/// A finding code as a person names it to select findings: a code (<c>image.blurry</c>) or a family (<c>label.*</c>). The
/// one rule of gates (<c>no_findings</c>'s <c>code</c>, which also takes <c>*</c>), waivers and catalog queries.
/// </summary>
public static partial class CodePatterns
{
    /// <summary>Whether <paramref name="pattern"/> is a code or a family.</summary>
    public static bool IsValid(string? pattern) => pattern is not null && Shape().IsMatch(pattern);

    /// <summary>Whether <paramref name="code"/> is <paramref name="pattern"/>, or of its family.</summary>
    public static bool Matches(string pattern, string code) =>
        pattern.EndsWith(".*", StringComparison.Ordinal) ? code.StartsWith(pattern[..^1], StringComparison.Ordinal) : code == pattern;

    [GeneratedRegex(@"\A[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?\z")]
    private static partial Regex Shape();
}
