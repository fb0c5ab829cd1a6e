using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pipeline.Testing;

/// <summary>
/// Builders for good and bad input files. Good images are synthetic but photo-like (gradients, shapes and
/// noise, so they carry information); each bad file is named after the way real uploads go wrong.
/// </summary>
public static class TestFiles
{
    /// <summary>A photo with GPS position, orientation and camera make in EXIF, as jpeg, png or webp.</summary>
    public static byte[] Geotagged(string format, int seed = 1)
    {
        using var image = Picture(240, 160, seed);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.GPSLatitude, [new Rational(52, 1), new Rational(22, 1), new Rational(1234, 100)]);
        image.Metadata.ExifProfile.SetValue(ExifTag.GPSLatitudeRef, "N");
        image.Metadata.ExifProfile.SetValue(ExifTag.GPSLongitude, [new Rational(4, 1), new Rational(53, 1), new Rational(5678, 100)]);
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        image.Metadata.ExifProfile.SetValue(ExifTag.Make, "TestCam");
        using var stream = new MemoryStream();
        switch (format)
        {
            case "jpeg": image.SaveAsJpeg(stream); break;
            case "png": image.SaveAsPng(stream, new PngEncoder()); break;
            default: image.SaveAsWebp(stream, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }); break;
        }

        return stream.ToArray();
    }

    /// <summary>A sample image resized and re-encoded as JPEG: a near duplicate of the original.</summary>
    public static byte[] Edited(string sample, double scale, int quality)
    {
        using var image = Image.Load(SampleSet.Good(sample));
        image.Mutate(x => x.Resize((int)(image.Width * scale), (int)(image.Height * scale)));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }

    /// <summary>A deterministic, detailed RGB picture.</summary>
    public static Image<Rgb24> Picture(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        var cx = width * (0.3 + (0.4 * random.NextDouble()));
        var cy = height * (0.3 + (0.4 * random.NextDouble()));
        var radius = Math.Min(width, height) / 4.0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var inside = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) < radius * radius;
                    var wave = (Math.Sin(x / 7.0) + Math.Cos(y / 11.0)) * 20;
                    var tile = ((x / 20) + (y / 20)) % 2 == 0 ? 35 : -35; // hard edges, as real scenes have
                    var noise = random.Next(-12, 13);
                    var r = (x * 200 / width) + wave + noise + (inside ? 40 : 0) + tile;
                    var g = (y * 200 / height) + wave - noise - tile;
                    var b = 120 + wave + (inside ? -60 : 30) + noise;
                    row[x] = new Rgb24(Clamp(r), Clamp(g), Clamp(b));
                }
            }
        });
        return image;
    }

    public static byte[] Jpeg(int width = 320, int height = 240, int quality = 90, int seed = 1) =>
        Encode(Picture(width, height, seed), new JpegEncoder { Quality = quality });

    public static byte[] Png(int width = 320, int height = 240, int seed = 1) => Encode(Picture(width, height, seed), new PngEncoder());

    /// <summary>A picture taken in poor light: <see cref="Picture"/> at a fifth of its brightness, as PNG.</summary>
    public static byte[] DarkPng(int width = 320, int height = 240, int seed = 1)
    {
        using var image = Picture(width, height, seed);
        image.Mutate(x => x.Brightness(0.2f));
        return Encode(image, new PngEncoder());
    }

    public static byte[] Webp(int width = 320, int height = 240, int seed = 1) => Encode(Picture(width, height, seed), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });

    public static byte[] Bmp(int width = 160, int height = 120, int seed = 1) => Encode(Picture(width, height, seed), new BmpEncoder());

    /// <summary>A GIF animation of <paramref name="frames"/> small frames.</summary>
    public static byte[] Gif(int frames = 1, int width = 64, int height = 48)
    {
        using var image = Picture(width, height);
        for (var i = 1; i < frames; i++)
        {
            using var frame = Picture(width, height, seed: i + 1);
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }

        return Encode(image, new GifEncoder());
    }

    /// <summary>A plain text file (what a mistyped export or a saved web page looks like).</summary>
    public static byte[] Text() => Encoding.UTF8.GetBytes("This is not an image. It is a note somebody saved as photo.jpg.\n");

    /// <summary>The first <paramref name="fraction"/> of a file: an interrupted upload.</summary>
    public static byte[] Truncate(byte[] file, double fraction = 0.6) => file[..(int)(file.Length * fraction)];

    /// <summary>A PNG whose IDAT chunk has one flipped byte, so its CRC no longer matches.</summary>
    public static byte[] PngWithBadCrc()
    {
        var png = Png();
        var idat = IndexOf(png, "IDAT"u8);
        png[idat + 4 + 10] ^= 0x5A;
        return png;
    }

    /// <summary>A minimal little-endian classic TIFF (one 1×1 gray strip).</summary>
    public static byte[] Tiff()
    {
        var b = new List<byte>();
        b.AddRange("II"u8.ToArray());
        b.AddRange([42, 0, 8, 0, 0, 0]);
        void Entry(ushort tag, ushort type, uint count, uint value)
        {
            b.AddRange(BitConverter.GetBytes(tag));
            b.AddRange(BitConverter.GetBytes(type));
            b.AddRange(BitConverter.GetBytes(count));
            b.AddRange(BitConverter.GetBytes(value));
        }

        b.AddRange(BitConverter.GetBytes((ushort)5));
        Entry(256, 3, 1, 1); // width
        Entry(257, 3, 1, 1); // height
        Entry(258, 3, 1, 8); // bits
        Entry(273, 4, 1, 8 + 2 + (5 * 12) + 4); // strip offset
        Entry(279, 4, 1, 1); // strip bytes
        b.AddRange(new byte[4]);
        b.Add(0x80);
        return [.. b];
    }

    /// <summary>A BigTIFF header (version 43, 8-byte offsets).</summary>
    public static byte[] BigTiff()
    {
        var b = new byte[32];
        "II"u8.CopyTo(b);
        b[2] = 43;
        b[4] = 8;
        b[8] = 16;
        return b;
    }

    /// <summary>A structurally valid PNG whose header claims <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static byte[] PngClaiming(uint width, uint height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; color type 0 (gray)
        WriteChunk(stream, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(new byte[4096]); // a few rows of zeros: the rest is claimed, never sent
            }

            WriteChunk(stream, "IDAT", compressed.ToArray());
        }

        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>A real JPEG whose frame header (SOF) is rewritten to claim <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(ushort width, ushort height)
    {
        var jpeg = Jpeg(64, 48);
        for (var i = 2; i < jpeg.Length - 9; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), width);
                return jpeg;
            }
        }

        throw new InvalidOperationException("No SOF marker in the generated JPEG.");
    }

    /// <summary>Random bytes of the given length (for size-cap tests).</summary>
    public static byte[] Noise(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        stream.Write(header);
        stream.Write(data);
        var crc = new Crc32();
        crc.Append(header[4..]);
        crc.Append(data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc.GetCurrentHashAsUInt32());
        stream.Write(tail);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) - 4;

    private static byte Clamp(double v) => (byte)Math.Clamp((int)v, 0, 255);

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }
}
