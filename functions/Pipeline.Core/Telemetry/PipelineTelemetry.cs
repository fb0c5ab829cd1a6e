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
        Freshness = meter.CreateGauge<double>("pipeline.dataset.freshness", "s", "Age of a dataset's newest accepted file, by dataset and kind (images, labels).");
        Volume = meter.CreateGauge<long>("pipeline.dataset.volume", "{image}", "Accepted images of a dataset in the last volume window, by dataset and window (last, baseline).");
        VolumeBytes = meter.CreateGauge<long>("pipeline.dataset.volume.bytes", "By", "Accepted bytes of a dataset in the last volume window, by dataset and window (last, baseline).");
        Drift = meter.CreateGauge<double>("pipeline.dataset.drift", "1", "Largest population stability index of a dataset's batches awaiting promotion against production, by dataset and distribution (classes, brightness, contrast, blur, sharpness).");
        SchemaChanges = meter.CreateGauge<long>("pipeline.dataset.schema.changes", "{change}", "Formats, image modes and classes that batches awaiting promotion bring and production lacks, by dataset.");
        Pending = meter.CreateGauge<long>("pipeline.dataset.pending", "{image}", "Accepted images of a dataset awaiting promotion.");
        HealthFindings = meter.CreateCounter<long>("pipeline.dataset.health.findings", "{finding}", "Findings of dataset health checks, by dataset, code and severity.");
        Stuck = meter.CreateGauge<long>("pipeline.orchestrations.stuck", "{instance}", "Orchestration instances running or pending for longer than the threshold, by orchestration name.");
        BackfillImages = meter.CreateCounter<long>("pipeline.backfill.images", "{image}", "Images re-checked by backfills, by change (unchanged, findings, verdict).");
    }

    /// <summary><c>pipeline.dataset.freshness</c>.</summary>
    public Gauge<double> Freshness { get; }

    /// <summary><c>pipeline.dataset.volume</c>.</summary>
    public Gauge<long> Volume { get; }

    /// <summary><c>pipeline.dataset.volume.bytes</c>.</summary>
    public Gauge<long> VolumeBytes { get; }

    /// <summary><c>pipeline.dataset.drift</c>.</summary>
    public Gauge<double> Drift { get; }

    /// <summary><c>pipeline.dataset.schema.changes</c>.</summary>
    public Gauge<long> SchemaChanges { get; }

    /// <summary><c>pipeline.dataset.pending</c>.</summary>
    public Gauge<long> Pending { get; }

    /// <summary><c>pipeline.dataset.health.findings</c>.</summary>
    public Counter<long> HealthFindings { get; }

    /// <summary><c>pipeline.orchestrations.stuck</c>.</summary>
    public Gauge<long> Stuck { get; }

    /// <summary><c>pipeline.backfill.images</c>.</summary>
    public Counter<long> BackfillImages { get; }

    /// <summary>Emits one health check: every pillar as a gauge point, every finding counted.</summary>
    public void RecordHealth(Health.HealthSnapshot snapshot)
    {
        var dataset = new KeyValuePair<string, object?>("pipeline.dataset", snapshot.Dataset);
        KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
        if (snapshot.Freshness.ImageAgeHours is { } images)
        {
            Freshness.Record(images * 3600, dataset, Tag("pipeline.data.kind", "images"));
        }

        if (snapshot.Freshness.LabelAgeHours is { } labels)
        {
            Freshness.Record(labels * 3600, dataset, Tag("pipeline.data.kind", "labels"));
        }

        Volume.Record(snapshot.Volume.Images, dataset, Tag("pipeline.window", "last"));
        VolumeBytes.Record(snapshot.Volume.Bytes, dataset, Tag("pipeline.window", "last"));
        if (snapshot.Volume.BaselineImages is { } baseImages && snapshot.Volume.BaselineBytes is { } baseBytes)
        {
            Volume.Record((long)baseImages, dataset, Tag("pipeline.window", "baseline"));
            VolumeBytes.Record((long)baseBytes, dataset, Tag("pipeline.window", "baseline"));
        }

        if (snapshot.Distribution.AgainstVersion is not null)
        {
            Drift.Record(snapshot.Distribution.MaxClassPsi, dataset, Tag("pipeline.distribution", "classes"));
            foreach (var (name, _, _) in Health.DataProfile.QualityScores)
            {
                Drift.Record(snapshot.Distribution.Batches.Select(b => b.Quality.GetValueOrDefault(name)?.Psi ?? 0).DefaultIfEmpty(0).Max(), dataset, Tag("pipeline.distribution", name));
            }

            SchemaChanges.Record(snapshot.Schema.Changes.Sum(c => c.Added.Count), dataset);
        }

        Pending.Record(snapshot.Lineage.PendingImages, dataset);
        foreach (var finding in snapshot.Findings)
        {
            HealthFindings.Add(1, dataset, Tag("pipeline.finding.code", finding.Code), Tag("pipeline.finding.severity", finding.Severity.ToString().ToLowerInvariant()));
        }
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
