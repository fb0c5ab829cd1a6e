namespace Pipeline.Workflows.Ingest;

/// <summary>Input of <see cref="ReconcileBatchOrchestration"/>; carried across pages by ContinueAsNew.</summary>
/// <param name="Batch">The batch (first path segment in <c>incoming</c>); empty for every batch.</param>
/// <param name="Continuation">Where the listing resumes.</param>
/// <param name="Totals">Counts so far.</param>
/// <param name="OlderThan">Only blobs last written before this (newer ones may still have their event on the way).</param>
public sealed record ReconcileBatchInput(string Batch, string? Continuation = null, ReconcileTotals? Totals = null, DateTimeOffset? OlderThan = null);

/// <summary>What a reconciliation found and did. A non-zero <see cref="Ingested"/> means events were lost or blobs predate the subscription.</summary>
/// <param name="Scanned">Blobs listed.</param>
/// <param name="Ingested">Blobs without a verdict for their current version, ingested now.</param>
/// <param name="Accepted">Of those, accepted.</param>
/// <param name="Rejected">Of those, rejected.</param>
/// <param name="Failed">Of those, failed again.</param>
/// <param name="Pages">Listing pages.</param>
/// <param name="SealedWithoutLabelQa">
/// Sealed batches whose label QA never started (the seal marker's event was lost); the next round's start
/// (<see cref="ReconcileScheduler"/>) starts it. At most <see cref="ReconcileBatchOrchestration.MaxSealedPerRound"/>.
/// </param>
public sealed record ReconcileTotals(int Scanned, int Ingested, int Accepted, int Rejected, int Failed, int Pages, IReadOnlyList<string>? SealedWithoutLabelQa = null)
{
    public static ReconcileTotals Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>Input of the FindUnjudgedBlobs activity.</summary>
public sealed record FindUnjudgedInput(string Batch, string? Continuation, DateTimeOffset? OlderThan = null);

/// <summary>Output of the FindUnjudgedBlobs activity: at most one page of names, kept under 16 KB.</summary>
public sealed record FindUnjudgedOutput(IReadOnlyList<string> Names, string? Continuation, int Scanned, IReadOnlyList<string>? SealedWithoutLabelQa = null);

/// <summary>Output of the IngestIncomingBlob activity.</summary>
public sealed record IngestBlobOutput(string Name, string Status);
