using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Ingest;

/// <summary>Ingest settings, bound from <c>Pipeline:Ingest</c>.</summary>
public sealed class IngestOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pipeline:Ingest";

    /// <summary>The dataset an upload belongs to when its blob carries no <c>dataset</c> metadata.</summary>
    [Required, RegularExpression(DatasetNames.Pattern)]
    public string DefaultDataset { get; set; } = "default";

    /// <summary>
    /// Datasets whose images keep their GPS location when published, comma-separated. Every other dataset
    /// has location stripped (<see cref="Pipeline.Core.Images.LocationStripper"/>) before an image reaches production.
    /// </summary>
    public string KeepLocationDatasets { get; set; } = string.Empty;

    /// <summary>Whether images of <paramref name="dataset"/> are published without location.</summary>
    public bool StripsLocation(string dataset) =>
        !KeepLocationDatasets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(dataset, StringComparer.Ordinal);
}

/// <summary>
/// Dataset names: lowercase letters, digits and hyphens, as they also appear in container paths and table keys.
/// The one rule the API, the CLI (before any request) and ingest (blob metadata) apply.
/// </summary>
public static class DatasetNames
{
    /// <summary>The allowed shape of a dataset name, anchored at the true end (<c>$</c> would also match before a final newline).</summary>
    public const string Pattern = @"\A[a-z0-9][a-z0-9-]{0,62}\z";

    /// <summary>Whether <paramref name="name"/> is a valid dataset name.</summary>
    public static bool IsValid(string? name) => name is not null && System.Text.RegularExpressions.Regex.IsMatch(name, Pattern);

    /// <summary>Why <paramref name="name"/> is not a dataset name, or null when it is.</summary>
    public static string? Problem(string? name) =>
        IsValid(name) ? null : $"'{name}' is not a dataset name: lowercase letters, digits and hyphens, starting with a letter or digit, at most 63 characters.";
}
