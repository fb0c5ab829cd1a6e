using System.Collections.Concurrent;
using System.Net;

namespace Pipeline.Local.Tests;

/// <summary>A span as an OTLP receiver gets it.</summary>
/// <param name="Name">The span's name.</param>
/// <param name="TraceId">Its trace id (hex).</param>
/// <param name="Attributes">Its string attributes.</param>
/// <param name="LinkedTraceIds">The trace ids of its links (hex).</param>
internal sealed record ReceivedSpan(string Name, string TraceId, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedTraceIds);

/// <summary>
/// An OTLP/HTTP receiver in memory (as a collector or the Aspire dashboard listens): takes <c>POST /v1/traces</c> and
/// <c>/v1/metrics</c> in protobuf and keeps the spans, read with a minimal protobuf walker of the OTLP trace messages
/// (ExportTraceServiceRequest → ResourceSpans(2: scope_spans) → ScopeSpans(2: spans) → Span: trace_id 1, name 5,
/// attributes 9, links 13 (trace_id 1); KeyValue: key 1, value 2 (AnyValue: string_value 1)).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;

    public OtlpReceiver()
    {
        var port = Pipeline.Testing.TestPorts.Free();
        Endpoint = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(Endpoint + "/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public int MetricExports => metricExports;

    private int metricExports;

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        try
        {
            await loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        listener.Close();
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url!.AbsolutePath == "/v1/traces")
            {
                foreach (var resource in Fields(body.ToArray()).Where(f => f.Number == 1))
                {
                    foreach (var scope in Fields(resource.Bytes!).Where(f => f.Number == 2))
                    {
                        foreach (var span in Fields(scope.Bytes!).Where(f => f.Number == 2))
                        {
                            Spans.Enqueue(ReadSpan(span.Bytes!));
                        }
                    }
                }
            }
            else if (context.Request.Url.AbsolutePath == "/v1/metrics")
            {
                Interlocked.Increment(ref metricExports);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    private static ReceivedSpan ReadSpan(byte[] span)
    {
        var fields = Fields(span);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in fields.Where(f => f.Number == 9).Select(f => Fields(f.Bytes!)))
        {
            var key = kv.FirstOrDefault(f => f.Number == 1).Bytes;
            var value = kv.FirstOrDefault(f => f.Number == 2).Bytes is { } any ? Fields(any).FirstOrDefault(f => f.Number == 1).Bytes : null;
            if (key is not null && value is not null)
            {
                attributes[System.Text.Encoding.UTF8.GetString(key)] = System.Text.Encoding.UTF8.GetString(value);
            }
        }

        return new ReceivedSpan(
            System.Text.Encoding.UTF8.GetString(fields.First(f => f.Number == 5).Bytes!),
            Convert.ToHexStringLower(fields.First(f => f.Number == 1).Bytes!),
            attributes,
            [.. fields.Where(f => f.Number == 13).Select(link => Convert.ToHexStringLower(Fields(link.Bytes!).First(f => f.Number == 1).Bytes!))]);
    }

    /// <summary>The fields of one protobuf message: number and, for length-delimited ones, the bytes (varints and fixed values skipped).</summary>
    private static List<(int Number, byte[]? Bytes)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[]?)>();
        var i = 0;
        ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = message[i++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
        }

        while (i < message.Length)
        {
            var tag = Varint();
            var (number, wire) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wire)
            {
                case 0:
                    Varint();
                    fields.Add((number, null));
                    break;
                case 1:
                    i += 8;
                    fields.Add((number, null));
                    break;
                case 2:
                    var length = (int)Varint();
                    fields.Add((number, message[i..(i + length)]));
                    i += length;
                    break;
                case 5:
                    i += 4;
                    fields.Add((number, null));
                    break;
                default:
                    throw new InvalidDataException($"Wire type {wire} is not OTLP's.");
            }
        }

        return fields;
    }
}
