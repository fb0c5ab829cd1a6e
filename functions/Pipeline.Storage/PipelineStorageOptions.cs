using System.ComponentModel.DataAnnotations;

namespace Pipeline.Storage;

/// <summary>Container and table names, bound from <c>Pipeline:Storage</c>. The connection itself is the <c>PipelineStorage</c> setting.</summary>
public sealed class PipelineStorageOptions
{
    public const string SectionName = "Pipeline:Storage";

    /// <summary>The one named storage connection: a connection string, or a section with service URIs for identity-based access.</summary>
    public const string ConnectionName = "PipelineStorage";

    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string IncomingContainer { get; set; } = "incoming";

    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string StagingContainer { get; set; } = "staging";

    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string QuarantineContainer { get; set; } = "quarantine";

    /// <summary>Label QA plans, unit results and reports.</summary>
    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string ReportsContainer { get; set; } = "reports";

    /// <summary>Published dataset versions: images by content hash, and each version's manifest and exports.</summary>
    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string ProductionContainer { get; set; } = "production";

    /// <summary>OpenLineage run events, one JSON line each.</summary>
    [Required, RegularExpression(@"\A[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    public string LineageContainer { get; set; } = "lineage";

    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string CatalogTable { get; set; } = "catalog";

    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string ContentTable { get; set; } = "contents";

    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string StatisticsTable { get; set; } = "statistics";

    /// <summary>The near-duplicate index: perceptual-hash owners and multi-index buckets per dataset.</summary>
    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string NearHashTable { get; set; } = "nearhashes";

    /// <summary>The dataset registry: each dataset's batches, published versions and <c>current</c> pointer.</summary>
    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string DatasetsTable { get; set; } = "datasets";

    /// <summary>The data health time series: one row per dataset and check.</summary>
    [Required, RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string HealthTable { get; set; } = "health";

    /// <summary>Every container the pipeline uses.</summary>
    public IReadOnlyList<string> Containers => [IncomingContainer, StagingContainer, QuarantineContainer, ReportsContainer, ProductionContainer, LineageContainer];

    /// <summary>Every table the pipeline uses.</summary>
    public IReadOnlyList<string> Tables => [CatalogTable, ContentTable, StatisticsTable, NearHashTable, DatasetsTable, HealthTable];

    /// <summary>Create missing containers and tables at start (local runs); in Azure the templates create them.</summary>
    public bool CreateIfMissing { get; set; } = true;
}
