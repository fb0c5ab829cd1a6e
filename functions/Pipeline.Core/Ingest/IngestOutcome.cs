namespace Pipeline.Core.Ingest;

/// <summary>What one ingest call did.</summary>
/// <param name="Entry">The catalog row as it now stands; null when the blob no longer exists.</param>
/// <param name="Redelivery">True when this blob version had already been judged and nothing was written.</param>
/// <param name="SealMarker">True when the blob is a batch's seal marker (<c>{batch}/_SEALED</c>): a signal for label QA, not a file to judge.</param>
public sealed record IngestOutcome(CatalogEntry? Entry, bool Redelivery, bool SealMarker = false);

/// <summary>A page of blob names with no verdict for their current version.</summary>
/// <param name="Names">Blob names in <c>incoming</c>.</param>
/// <param name="Continuation">Where the next page starts, or null after the last.</param>
/// <param name="Scanned">How many blobs the page looked at.</param>
/// <param name="Sealed">The batches whose seal marker (<c>{batch}/_SEALED</c>) the page saw.</param>
public sealed record UnjudgedPage(IReadOnlyList<string> Names, string? Continuation, int Scanned, IReadOnlyList<string> Sealed);
