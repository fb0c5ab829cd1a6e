using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pipeline.Testing;

/// <summary>One measurement: the instrument, the value and its attributes.</summary>
public sealed record MetricPoint(Instrument Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>The instrument's name.</summary>
    public string Name => Instrument.Name;
}

/// <summary>Records the measurements of some instruments in-process, as an exporter would see them. Dispose to stop.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<MetricPoint> points = new();

    public MetricRecorder(params Instrument[] instruments)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instruments.Contains(instrument))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => points.Enqueue(new(i, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => points.Enqueue(new(i, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
    }

    /// <summary>Everything measured so far.</summary>
    public IReadOnlyList<MetricPoint> Points => [.. points];

    public void Dispose() => listener.Dispose();
}
