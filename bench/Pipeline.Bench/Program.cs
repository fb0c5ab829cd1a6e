using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

// pipeline-bench corpus SAMPLES_DIR OUT_DIR
// pipeline-bench run CORPUS_DIR --mode decode|guard --threads N [--seconds S]
//   prints one JSON line per image class: {"tool","mode","class","threads","images","seconds","imagesPerSecond","peakMegabytes"}
// pipeline-bench stages CORPUS_DIR
//   one core, interleaved rounds (so machine noise hits every stage alike): milliseconds per image for
//   SHA-256, the structural walk, a bare decode, decode + statistics, and the whole guard
// pipeline-bench neardup SIZE[,SIZE...] [--connection CONNECTION_STRING] [--lookups N]
//   the near-duplicate index: insert-and-look-up against indexes of SIZE hashes, in memory (beside a linear
//   scan of the same hashes) and, given a connection, in Azure Tables (beside one point read); JSON lines
// pipeline-bench labels-corpus FILE BOXES          writes a generated COCO file of BOXES boxes (10 per image, 20 labels)
// pipeline-bench labels FILE --mode stream|dom      one core: read (+ check, for stream) and report boxes/s and peak memory
// pipeline-bench model-corpus DIR IMAGES           a generated world: DIR/labels.json (COCO, ~10 boxes an image) and DIR/predictions.json (~33 an image)
// pipeline-bench model DIR --mode stream|dom       one core: read both, COCO metrics, label issues, confusion (or parse both as DOMs)
// pipeline-bench model-accuracy IMAGES SEEDS       label issues against injected errors, beside the naive matcher (Markdown)
// pipeline-bench promote SIZE[,SIZE...] --connection CONNECTION_STRING
//   promotes SIZE staged images through the Promote orchestration beside a bare copy; images/s and history sizes
// pipeline-bench plan-corpus DIR PARENT NEW       version 1's manifest of PARENT images (batches of 10,000), to add NEW images to
// pipeline-bench plan DIR --mode skip|read-all     plans that promotion on in-memory stand-ins: seconds, peak memory, rows read
// pipeline-bench health BATCHESxROWS[,...] --connection CONNECTION_STRING
//   one dataset's health check, first and later (cached profiles), beside a bare read of the same catalog rows
return args switch
{
    ["labels-corpus", var file, var boxes] => LabelBench.Corpus(file, int.Parse(boxes, CultureInfo.InvariantCulture)),
    ["labels", var file, .. var rest] => LabelBench.Run(file, Option(rest, "--mode", "stream")),
    ["model-corpus", var folder, var images] => ModelBench.Corpus(folder, int.Parse(images, CultureInfo.InvariantCulture)),
    ["model", var folder, .. var rest] => await ModelBench.Run(folder, Option(rest, "--mode", "stream")),
    ["model-accuracy", var images, var seeds] => ModelBench.Accuracy(int.Parse(images, CultureInfo.InvariantCulture), int.Parse(seeds, CultureInfo.InvariantCulture)),
    ["neardup", var sizes, .. var rest] => await NearDuplicateBench.Run(
        [.. sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
        Array.IndexOf(rest, "--connection") is var c and >= 0 ? rest[c + 1] : null,
        int.Parse(Option(rest, "--lookups", "200"), CultureInfo.InvariantCulture)),
    ["promote", var sizes, "--connection", var connection] => await PromotionBench.Run([.. sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))], connection),
    ["health", var shapes, "--connection", var connection] => await HealthBench.Run(
        [.. shapes.Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)))], connection),
    ["plan-corpus", var dir, var parent, var added] => await PlanningBench.Corpus(dir, int.Parse(parent, CultureInfo.InvariantCulture), int.Parse(added, CultureInfo.InvariantCulture)),
    ["plan", var dir, .. var rest] => await PlanningBench.Run(dir, Option(rest, "--mode", "skip")),
    ["corpus", var samples, var output] => Corpus(samples, output),
    ["stages", var corpus] => await Stages(corpus),
    ["run", var corpus, .. var rest] => await Run(corpus, Option(rest, "--mode", "guard"), int.Parse(Option(rest, "--threads", "1"), CultureInfo.InvariantCulture), double.Parse(Option(rest, "--seconds", "4"), CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: pipeline-bench corpus SAMPLES_DIR OUT_DIR | run CORPUS_DIR --mode decode|guard --threads N [--seconds S] | stages CORPUS_DIR | neardup SIZES [--connection CS] [--lookups N]");
    return 2;
}

static string Option(string[] args, string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

// Real photographs scaled to each size, with mild deterministic sensor-like noise so that upscaling does not
// make them unrealistically smooth (smooth images compress and decode faster than camera output).
static int Corpus(string samples, string output)
{
    var sources = new[] { "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg" };
    var classes = new (string Name, int Width, int Height, bool Png)[] { ("jpeg-1920x1080", 1920, 1080, false), ("jpeg-4000x3000", 4000, 3000, false), ("png-1280x720", 1280, 720, true) };
    foreach (var (name, width, height, png) in classes)
    {
        var folder = Directory.CreateDirectory(Path.Combine(output, name)).FullName;
        for (var i = 0; i < sources.Length; i++)
        {
            using var image = Image.Load<Rgb24>(Path.Combine(samples, sources[i]));
            image.Mutate(c => c.Resize(width, height, KnownResamplers.Bicubic));
            var random = new Random(i);
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (ref var p in rows.GetRowSpan(y))
                    {
                        var n = random.Next(-6, 7);
                        p = new Rgb24((byte)Math.Clamp(p.R + n, 0, 255), (byte)Math.Clamp(p.G + n, 0, 255), (byte)Math.Clamp(p.B + n, 0, 255));
                    }
                }
            });
            var path = Path.Combine(folder, $"{i}.{(png ? "png" : "jpg")}");
            if (png)
            {
                image.SaveAsPng(path, new PngEncoder());
            }
            else
            {
                image.SaveAsJpeg(path, new JpegEncoder { Quality = 90 });
            }
        }
    }

    return 0;
}

static async Task<int> Run(string corpus, string mode, int threads, double seconds)
{
    using var guard = new ImageGuard(Options.Create(new ImageGuardOptions { MaxConcurrentDecodes = threads }), TimeProvider.System);
    var configuration = Configuration.Default.Clone();
    configuration.MaxDegreeOfParallelism = 1;
    foreach (var folder in Directory.GetDirectories(corpus).Order(StringComparer.Ordinal))
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        async Task Once(byte[] bytes)
        {
            if (mode == "decode")
            {
                using var image = Image.Load<Rgb24>(configuration, bytes);
            }
            else
            {
                var result = await guard.InspectAsync(bytes, "bench.jpg", CancellationToken.None);
                if (result.Quality is null)
                {
                    throw new InvalidOperationException("The benchmark corpus must decode: " + string.Join(", ", result.Findings.Select(f => f.Code)));
                }
            }
        }

        foreach (var file in files)
        {
            await Once(file); // warm-up: JIT and pools
        }

        var count = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                await Once(files[i++ % files.Length]);
                Interlocked.Increment(ref count);
            }
        }));
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            tool = "imagesharp",
            mode,
            @class = Path.GetFileName(folder),
            threads,
            images = count,
            seconds = Math.Round(elapsed, 3),
            imagesPerSecond = Math.Round(count / elapsed, 2),
            peakMegabytes = Math.Round(ProcessMemory.PeakMegabytes(), 1),
        }));
    }

    return 0;
}

static async Task<int> Stages(string corpus)
{
    using var guard = new ImageGuard(Options.Create(new ImageGuardOptions { MaxConcurrentDecodes = 1 }), TimeProvider.System);
    var configuration = Configuration.Default.Clone();
    configuration.MaxDegreeOfParallelism = 1;
    foreach (var folder in Directory.GetDirectories(corpus).Order(StringComparer.Ordinal))
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var format = FormatSniffer.Sniff(files[0]);
        var stages = new (string Name, Func<byte[], Task> Run)[]
        {
            ("sha256", b => { ImageGuard.Sha256Hex(b); return Task.CompletedTask; }),
            ("structure", b => { ImageStructure.Check(format, b); return Task.CompletedTask; }),
            ("decode", b => { using var image = Image.Load<Rgb24>(configuration, b); return Task.CompletedTask; }),
            ("decodeAndStatistics", b => { using var image = Image.Load<Rgb24>(configuration, b); QualityAnalyzer.Analyze(image, 256); return Task.CompletedTask; }),
            ("guard", b => guard.InspectAsync(b, "bench", CancellationToken.None)),
        };
        var totals = stages.ToDictionary(s => s.Name, _ => 0.0);
        const int rounds = 6; // the first is warm-up and not counted
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, run) in stages)
            {
                var count = 0;
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < 400)
                {
                    foreach (var file in files)
                    {
                        await run(file);
                        count++;
                    }
                }

                if (round > 0)
                {
                    totals[name] += clock.Elapsed.TotalMilliseconds / count / (rounds - 1);
                }
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(new { @class = Path.GetFileName(folder), milliseconds = totals.ToDictionary(t => t.Key, t => Math.Round(t.Value, 2)) }));
    }

    return 0;
}
