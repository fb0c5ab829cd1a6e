using System.Diagnostics;
using System.Text.Json;
using Pipeline.Core.Labels;
using Pipeline.Testing;

/// <summary>
/// Label QA speed on a generated COCO file: the streaming reader plus every label check (our path), beside the
/// baseline of parsing the whole file into a JSON DOM (what a tool that loads the file does before any check).
/// Each mode runs in its own process, so peak memory is its own.
/// </summary>
internal static class LabelBench
{
    public static int Corpus(string file, int boxes)
    {
        using var stream = File.Create(file);
        LabelFixtures.WriteCoco(stream, images: boxes / 10, boxesPerImage: 10, categories: 20);
        return 0;
    }

    public static int Run(string file, string mode)
    {
        var bytes = new FileInfo(file).Length;
        var timer = Stopwatch.StartNew();
        long boxes;
        double readSeconds, checkSeconds = 0;
        int findings = 0;
        if (mode == "dom")
        {
            using var stream = File.OpenRead(file);
            using var document = JsonDocument.Parse(stream);
            boxes = document.RootElement.GetProperty("annotations").GetArrayLength();
            readSeconds = timer.Elapsed.TotalSeconds;
        }
        else
        {
            LabelDocument document;
            using (var stream = File.OpenRead(file))
            {
                document = CocoReader.Read(stream, Path.GetFileName(file), keepSegmentation: false);
            }

            readSeconds = timer.Elapsed.TotalSeconds;
            var checks = Stopwatch.StartNew();
            var found = LabelChecks.Run(document, null, new LabelQaOptions());
            _ = LabelReport.Build(document, found);
            checkSeconds = checks.Elapsed.TotalSeconds;
            boxes = document.Boxes.Count;
            findings = found.Count;
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode,
            megabytes = bytes / 1048576.0,
            boxes,
            readSeconds,
            checkSeconds,
            totalSeconds = readSeconds + checkSeconds,
            boxesPerSecond = boxes / (readSeconds + checkSeconds),
            findings,
            peakMegabytes = process.PeakWorkingSet64 / 1048576.0,
        }));
        return 0;
    }
}
