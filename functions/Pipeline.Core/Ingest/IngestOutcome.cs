namespace Pipeline.Core.Ingest;

/// <summary>What one ingest call did.</summary>
/// <param name="Entry">The catalog row as it now stands; null when the blob no longer exists.</param>
/// <param name="Redelivery">True when this blob version had already been judged and nothing was written.</param>
public sealed record IngestOutcome(CatalogEntry? Entry, bool Redelivery);
