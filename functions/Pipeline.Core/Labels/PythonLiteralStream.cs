namespace Pipeline.Core.Labels;

/// <summary>
/// Passes JSON through, quoting the bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> that Python's
/// <c>json</c> module writes for non-finite floats (outside strings no valid JSON token starts with
/// <c>N</c> or <c>I</c>), so a strict parser reads them as strings the reader then recognises. State is kept
/// across reads, so a literal split between two reads is handled. Read-only, forward-only.
/// </summary>
internal sealed class PythonLiteralStream(Stream inner) : Stream
{
    private readonly byte[] input = new byte[16 * 1024];
    private readonly byte[] output = new byte[(16 * 1024 * 3) + 2];
    private int start;
    private int end;
    private bool inString;
    private bool escaped;
    private bool inLiteral;
    private bool minus;

    /// <summary>The bytes outside a string that may start something to rewrite (or a string).</summary>
    private static readonly System.Buffers.SearchValues<byte> OutsideSpecial = System.Buffers.SearchValues.Create("\"-NI"u8);

    /// <summary>The bytes that make a chunk need the byte-by-byte path: a literal's first letter, an escape.</summary>
    private static readonly System.Buffers.SearchValues<byte> ChunkSpecial = System.Buffers.SearchValues.Create("NI\\"u8);

    /// <summary>Whether <paramref name="text"/> is one of the literals this stream quotes.</summary>
    public static bool IsLiteral(string text) => text is "NaN" or "Infinity" or "-Infinity";

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (start == end && buffer.Length > 0)
        {
            // Read straight into the caller's buffer: the usual chunk, with no literal's first letter and no escape
            // anywhere, needs no rewriting and no copy; only whether it ends inside a string matters, which its count
            // of quotes says. Any other chunk is rewritten byte by byte through this stream's own buffers.
            var read = inner.Read(buffer[..Math.Min(buffer.Length, input.Length)]);
            if (read == 0)
            {
                (start, end) = (0, 0);
                Finish();
                break;
            }

            var chunk = buffer[..read];
            if (!inLiteral && !minus && !escaped && chunk[^1] != (byte)'-' && chunk.IndexOfAny(ChunkSpecial) < 0)
            {
                inString ^= (chunk.Count((byte)'"') & 1) == 1;
                return read;
            }

            chunk.CopyTo(input);
            (start, end) = (0, 0);
            Rewrite(input.AsSpan(0, read));
        }

        var n = Math.Min(buffer.Length, end - start);
        output.AsSpan(start, n).CopyTo(buffer);
        start += n;
        return n;
    }

    private void Rewrite(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length)
        {
            // Runs that need no rewriting are copied whole: outside strings up to a quote, a minus or a literal's
            // first letter; inside a string up to its closing quote or an escape. Only those bytes go one by one.
            var plain = inString && !escaped ? span[i..].IndexOfAny((byte)'"', (byte)'\\')
                : !inString && !inLiteral && !minus ? span[i..].IndexOfAny(OutsideSpecial)
                : 0;
            var run = plain < 0 ? span.Length - i : plain;
            span.Slice(i, run).CopyTo(output.AsSpan(end));
            (end, i) = (end + run, i + run);
            if (i < span.Length)
            {
                Pass(span[i++]);
            }
        }
    }

    private void Pass(byte b)
    {
        if (inString)
        {
            // A quote ends the string unless the byte before it escaped it.
            Emit(b);
            var wasEscaped = escaped;
            escaped = !wasEscaped && b == (byte)'\\';
            inString = wasEscaped || b != (byte)'"';
            return;
        }

        if (inLiteral)
        {
            if (char.IsAsciiLetter((char)b))
            {
                Emit(b);
                return;
            }

            Emit((byte)'"');
            inLiteral = false;
        }

        if (minus)
        {
            minus = false;
            if (b == (byte)'I')
            {
                Emit((byte)'"');
                Emit((byte)'-');
                Emit(b);
                inLiteral = true;
                return;
            }

            Emit((byte)'-');
        }

        switch (b)
        {
            case (byte)'"':
                inString = true;
                Emit(b);
                break;
            case (byte)'-':
                minus = true;
                break;
            case (byte)'N' or (byte)'I':
                Emit((byte)'"');
                Emit(b);
                inLiteral = true;
                break;
            default:
                Emit(b);
                break;
        }
    }

    private void Emit(byte b) => output[end++] = b;

    private void Finish()
    {
        if (minus)
        {
            Emit((byte)'-');
            minus = false;
        }

        if (inLiteral)
        {
            Emit((byte)'"');
            inLiteral = false;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
