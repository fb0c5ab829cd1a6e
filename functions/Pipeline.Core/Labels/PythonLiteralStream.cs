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
        while (start == end)
        {
            (start, end) = (0, 0);
            var read = inner.Read(input);
            if (read == 0)
            {
                Finish();
                break;
            }

            foreach (var b in input.AsSpan(0, read))
            {
                Pass(b);
            }
        }

        var n = Math.Min(buffer.Length, end - start);
        output.AsSpan(start, n).CopyTo(buffer);
        start += n;
        return n;
    }

    private void Pass(byte b)
    {
        if (inString)
        {
            Emit(b);
            escaped = !escaped && b == (byte)'\\';
            inString = escaped || b != (byte)'"';
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
