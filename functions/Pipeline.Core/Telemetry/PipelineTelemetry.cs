using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// The pipeline's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="Name"/>;
/// hosts subscribe to that name (OpenTelemetry's AddSource/AddMeter). Instruments follow OpenTelemetry naming:
/// dotted lowercase names, UCUM units, low-cardinality attributes; no image content or blob names (which can
/// hold personal data) are ever attributes.
/// </summary>
public sealed class PipelineTelemetry : IDisposable
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "CvDataOps.Pipeline";

    /// <summary>The source of every span the pipeline starts.</summary>
    public static readonly ActivitySource Source = new(Name);

    private readonly Meter meter;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/> (so tests and hosts each get their own).</summary>
    public PipelineTelemetry(IMeterFactory meters)
    {
        meter = meters.Create(Name);
        Images = meter.CreateCounter<long>("pipeline.ingest.images", "{image}", "Files judged by ingest, by outcome (accepted, rejected, failed) and format.");
        Findings = meter.CreateCounter<long>("pipeline.ingest.findings", "{finding}", "Findings raised by ingest, by code and severity.");
        Bytes = meter.CreateCounter<long>("pipeline.ingest.bytes", "By", "Bytes of the files judged by ingest, by outcome.");
        DecodeDuration = meter.CreateHistogram<double>("pipeline.ingest.decode.duration", "s", "Time spent identifying and decoding one image.");
        Duration = meter.CreateHistogram<double>("pipeline.ingest.duration", "s", "Time to judge and file one upload, by outcome.");
        ReconcileFound = meter.CreateCounter<long>("pipeline.reconcile.found", "{blob}", "Blobs in incoming found without a verdict by reconciliation (non-zero: events were lost).");
        LabelFindings = meter.CreateCounter<long>("pipeline.labelqa.findings", "{finding}", "Findings of batch label QA runs, by code and severity.");
        GateEvaluations = meter.CreateCounter<long>("pipeline.gate.evaluations", "{evaluation}", "Quality gate evaluations, by result (passed, failed) and whether approval was required.");
        PromotedImages = meter.CreateCounter<long>("pipeline.promotion.images", "{image}", "Images added to production by published versions.");
        Runs = meter.CreateCounter<long>("pipeline.runs", "{run}", "Orchestration runs that ended, by job (label-qa, promote) and end (COMPLETE, FAIL).");
        RunDuration = meter.CreateHistogram<double>("pipeline.run.duration", "s", "Duration of orchestration runs, by job and end.");
    }

    /// <summary><c>pipeline.labelqa.findings</c>.</summary>
    public Counter<long> LabelFindings { get; }

    /// <summary><c>pipeline.gate.evaluations</c>.</summary>
    public Counter<long> GateEvaluations { get; }

    /// <summary><c>pipeline.promotion.images</c>.</summary>
    public Counter<long> PromotedImages { get; }

    /// <summary><c>pipeline.runs</c>.</summary>
    public Counter<long> Runs { get; }

    /// <summary><c>pipeline.run.duration</c>.</summary>
    public Histogram<double> RunDuration { get; }

    /// <summary><c>pipeline.ingest.images</c>.</summary>
    public Counter<long> Images { get; }

    /// <summary><c>pipeline.ingest.findings</c>.</summary>
    public Counter<long> Findings { get; }

    /// <summary><c>pipeline.ingest.bytes</c>.</summary>
    public Counter<long> Bytes { get; }

    /// <summary><c>pipeline.ingest.decode.duration</c>.</summary>
    public Histogram<double> DecodeDuration { get; }

    /// <summary><c>pipeline.ingest.duration</c>.</summary>
    public Histogram<double> Duration { get; }

    /// <summary>Blobs reconciliation found without a verdict.</summary>
    public Counter<long> ReconcileFound { get; }

    /// <summary>Links in one span to the uploads it works on; more would bloat the span for little.</summary>
    public const int MaxLinks = 128;

    /// <summary>
    /// Starts a span of later work on uploaded files (label QA, promotion) linked to their ingest spans, so one
    /// upload can be followed from ingest through QA and promotion. Null when nobody listens.
    /// </summary>
    public static Activity? StartLinked(string name, IEnumerable<string?> traceParents, params (string Key, object? Value)[] tags)
    {
        var links = traceParents.OfType<string>().Distinct(StringComparer.Ordinal).Take(MaxLinks)
            .Select(t => ActivityContext.TryParse(t, null, out var context) ? new ActivityLink(context) : (ActivityLink?)null)
            .OfType<ActivityLink>().ToList();
        var activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, links: links);
        foreach (var (key, value) in tags)
        {
            activity?.SetTag(key, value);
        }

        return activity;
    }

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();
}
