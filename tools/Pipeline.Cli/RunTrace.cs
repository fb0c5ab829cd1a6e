using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipeline.Core.Telemetry;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline run --trace</c>: the spans the in-process runner records during the run (the same ones it exports over
/// OTLP), printed as one tree per upload: the upload's own trace (ingest and what it started), then the label QA unit
/// and the promotion chunk that worked on the file, which link to it.
/// </summary>
internal sealed class RunTrace : IDisposable
{
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;

    public RunTrace()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    /// <summary>The tree of every upload of <paramref name="batch"/>, by file name.</summary>
    public string Render(string batch)
    {
        var all = spans.ToList();
        var text = new StringBuilder();
        var uploads = all.Where(s => s.OperationName == "ingest" && (string?)s.GetTagItem("pipeline.batch") == batch)
            .OrderBy(s => (string?)s.GetCustomProperty("pipeline.blob"), StringComparer.Ordinal).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"Trace of the run: {uploads.Count} upload(s), one trace each.");
        foreach (var upload in uploads)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{upload.GetCustomProperty("pipeline.blob")}  trace {upload.TraceId}");
            var trace = all.Where(s => s.TraceId == upload.TraceId).ToList();
            foreach (var root in trace.Where(s => s.ParentSpanId == default || trace.All(p => p.SpanId != s.ParentSpanId)).OrderBy(s => s.StartTimeUtc))
            {
                Append(text, root, trace, depth: 1, linked: false);
            }

            foreach (var follower in all.Where(s => s.Links.Any(l => l.Context.TraceId == upload.TraceId)).OrderBy(s => s.StartTimeUtc))
            {
                Append(text, follower, [], depth: 1, linked: true);
            }
        }

        return text.ToString().TrimEnd();
    }

    private static void Append(StringBuilder text, Activity span, List<Activity> trace, int depth, bool linked)
    {
        var tags = string.Join(", ", new[] { "pipeline.verdict", "pipeline.dataset" }.Select(t => span.GetTagItem(t)).OfType<object>());
        text.AppendLine(CultureInfo.InvariantCulture, $"{new string(' ', depth * 2)}{(linked ? "↳ " : "└ ")}{span.OperationName} {span.Duration.TotalMilliseconds:0} ms{(tags.Length > 0 ? $" ({tags})" : string.Empty)}{(linked ? " [linked]" : string.Empty)}");
        foreach (var child in trace.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
        {
            Append(text, child, trace, depth + 1, linked);
        }
    }
}
