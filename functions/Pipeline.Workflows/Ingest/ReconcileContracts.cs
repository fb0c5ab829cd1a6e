namespace Pipeline.Workflows.Ingest;

/// <summary>Input of <see cref="ReconcileBatchOrchestration"/>; carried across pages by ContinueAsNew.</summary>
/// <param name="Batch">The batch (first path segment in <c>incoming</c>); empty for every batch.</param>
/// <param name="Continuation">Where the listing resumes.</param>
/// <param name="Totals">Counts so far.</param>
/// <param name="OlderThan">Only blobs last written before this (newer ones may still have their event on the way).</param>
public sealed record ReconcileBatchInput(string Batch, string? Continuation = null, ReconcileTotals? Totals = null, DateTimeOffset? OlderThan = null);

/// <summary>What a reconciliation found and did. A non-zero <see cref="Ingested"/> means events were lost or blobs predate the subscription.</summary>
public sealed record ReconcileTotals(int Scanned, int Ingested, int Accepted, int Rejected, int Failed, int Pages)
{
    public static ReconcileTotals Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>Input of the FindUnjudgedBlobs activity.</summary>
public sealed record FindUnjudgedInput(string Batch, string? Continuation, DateTimeOffset? OlderThan = null);

/// <summary>Output of the FindUnjudgedBlobs activity: at most one page of names, kept under 16 KB.</summary>
public sealed record FindUnjudgedOutput(IReadOnlyList<string> Names, string? Continuation, int Scanned);

/// <summary>Output of the IngestIncomingBlob activity.</summary>
public sealed record IngestBlobOutput(string Name, string Status);
