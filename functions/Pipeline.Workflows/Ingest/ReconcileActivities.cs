using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;

namespace Pipeline.Workflows.Ingest;

/// <summary>The activities of <see cref="ReconcileBatchOrchestration"/>: thin calls into <see cref="IngestService"/> (and a look for label QA plans).</summary>
public sealed class ReconcileActivities(IngestService ingest, IReportStore reports)
{
    /// <summary>Names are at most 1,024 characters; this many keeps a page under 16 KB even for long names.</summary>
    private const int MaxPageCharacters = 12_000;

    public async Task<FindUnjudgedOutput> FindUnjudgedAsync(FindUnjudgedInput input, CancellationToken cancellationToken)
    {
        var page = await ingest.FindUnjudgedAsync(input.Batch, input.Continuation, ReconcileBatchOrchestration.PageSize, cancellationToken, input.OlderThan);
        var sealedWithout = new List<string>();
        foreach (var batch in page.Sealed)
        {
            // A run that started (or finished) wrote its plan first.
            if (!await reports.ExistsAsync(LabelQaService.PlanName(batch), cancellationToken))
            {
                sealedWithout.Add(batch);
            }
        }

        var names = new List<string>();
        var characters = 0;
        foreach (var name in page.Names)
        {
            characters += name.Length;
            if (characters > MaxPageCharacters)
            {
                // Too long to pass in one message: the rest is found again next page (it is still unjudged).
                return new FindUnjudgedOutput(names, input.Continuation ?? string.Empty, page.Scanned, sealedWithout);
            }

            names.Add(name);
        }

        return new FindUnjudgedOutput(names, page.Continuation, page.Scanned, sealedWithout);
    }

    public async Task<IngestBlobOutput> IngestAsync(string name, CancellationToken cancellationToken)
    {
        var outcome = await ingest.IngestAsync(name, cancellationToken);
        return new IngestBlobOutput(name, outcome.Entry?.Status.Name() ?? "gone");
    }
}
