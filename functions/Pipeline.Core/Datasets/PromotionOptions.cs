using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Datasets;

/// <summary>Promotion settings, bound from <c>Pipeline:Promotion</c>.</summary>
public sealed class PromotionOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pipeline:Promotion";

    /// <summary>Images per copy, verify and mark activity.</summary>
    [Range(1, 5000)]
    public int ChunkSize { get; set; } = 100;
}
