using System.CommandLine;
using Pipeline.Core.Ingest;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Core;
using Pipeline.Core.Datasets;

namespace Pipeline.Cli;

/// <summary>The commands that talk to the pipeline's API: status, approve, reject, versions, diff, rollback, report, pull, health, backfill, review.</summary>
internal static class ApiCommands
{
    private static readonly JsonSerializerOptions Indented = new(PipelineJson.Options) { WriteIndented = true };

    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return Status(output, error);
        yield return Decide(output, error, approve: true);
        yield return Decide(output, error, approve: false);
        yield return Versions(output, error);
        yield return Diff(output, error);
        yield return Rollback(output, error);
        yield return Report(output, error);
        yield return Pull(output, error);
        yield return MaintenanceCommands.Health(output, error);
        yield return MaintenanceCommands.Backfill(output, error);
        yield return ReviewCommand.Create(output, error);
        foreach (var command in DatasetCommands.Create(output, error))
        {
            yield return command;
        }
    }

    /// <summary>A parse error (exit code 2) unless exactly one of the two options is given.</summary>
    private static void RequireOneOf(Command command, Option first, Option second) =>
        command.Validators.Add(result =>
        {
            if ((result.GetResult(first) is null) == (result.GetResult(second) is null))
            {
                result.AddError($"Give one of {first.Name} or {second.Name}.");
            }
        });

    /// <summary>--dataset, held to the API's own rule before any request is sent (exit 2 names the argument).</summary>
    internal static Option<string> DatasetOption(bool required = true, string description = "The dataset.") =>
        NameOption("--dataset", description, required, DatasetNames.Problem);

    /// <summary>--batch, held to the API's own rule before any request is sent.</summary>
    internal static Option<string> BatchOption(string description, bool required = false) =>
        NameOption("--batch", description, required, BlobNames.BatchProblem);

    /// <summary>A version (--from, --to, --version), held to the API's rule before any request: a whole number from 1 (exit 2 names the argument).</summary>
    internal static Option<T> VersionOption<T>(string name, string description, bool required)
    {
        var option = new Option<T>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is int version && version < 1)
            {
                result.AddError($"{name}: '{version}' is not a version number (a whole number from 1).");
            }
        });
        return option;
    }

    private static Option<string> NameOption(string name, string description, bool required, Func<string, string?> problemOf)
    {
        var option = new Option<string>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && problemOf(value) is { } problem)
            {
                result.AddError($"{name}: {problem}");
            }
        });
        return option;
    }

    private static Command Status(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption(required: false);
        var batch = BatchOption("A batch: its label QA.");
        var command = new Command("status", "Show a dataset's promotion, or a batch's label QA.") { dataset, batch };
        RequireOneOf(command, dataset, batch);
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var status = parsed.GetValue(dataset) is { } d
                ? await api.GetAsync($"datasets/{d}/promotion", ct)
                : await api.GetAsync($"batches/{Uri.EscapeDataString(parsed.GetValue(batch)!)}/label-qa", ct);
            await PrintAsync(terminal, status, () => DescribeStatus(status));
            return PipelineCli.Accepted;
        });
        return command;
    }

    internal static string DescribeStatus(JsonElement status)
    {
        var lines = new List<string> { $"{status.GetProperty("instanceId").GetString()}: {status.GetProperty("runtimeStatus").GetString()}" };
        if (status.TryGetProperty("progress", out var progress) && progress.ValueKind == JsonValueKind.Object)
        {
            if (progress.TryGetProperty("stage", out var stage))
            {
                lines.Add($"stage: {stage.GetString()}" + (progress.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? $", version {v.GetInt32()}" : string.Empty));
                if (stage.GetString() == "awaiting_approval")
                {
                    lines.Add($"waiting for approval until {progress.GetProperty("approvalDeadline").GetString()}: {string.Join("; ", progress.GetProperty("approvalReasons").EnumerateArray().Select(r => r.GetString()))}");
                }
            }
            else if (progress.TryGetProperty("done", out var done))
            {
                lines.Add($"units: {done.GetInt32()}/{progress.GetProperty("total").GetInt32()}");
            }
        }

        if (status.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object)
        {
            lines.Add($"{result.GetProperty("outcome").GetString()}: {result.GetProperty("message").GetString()}");
        }

        if (status.TryGetProperty("summary", out var summary) && summary.ValueKind == JsonValueKind.Object)
        {
            lines.Add($"{summary.GetProperty("images").GetInt32()} images, {summary.GetProperty("labelFiles").GetInt32()} annotation files, {summary.GetProperty("boxes").GetInt32()} boxes: {summary.GetProperty("errors").GetInt32()} errors, {summary.GetProperty("warnings").GetInt32()} warnings");
        }

        if (status.TryGetProperty("failure", out var failure) && failure.ValueKind == JsonValueKind.String)
        {
            lines.Add($"failed: {failure.GetString()}");
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static Command Decide(TextWriter output, TextWriter error, bool approve)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption();
        var by = new Option<string>("--as") { Description = "Your name, recorded in the version.", Required = true };
        var comment = new Option<string?>("--comment") { Description = "Why." };
        var command = new Command(approve ? "approve" : "reject", approve ? "Approve the dataset's promotion that waits for approval." : "Reject the dataset's promotion that waits for approval.") { dataset, by, comment };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var answer = await api.PostAsync($"datasets/{parsed.GetValue(dataset)}/promotion/{(approve ? "approve" : "reject")}", new { approver = parsed.GetValue(by), comment = parsed.GetValue(comment) }, ct);
            await PrintAsync(terminal, answer, () => $"{(approve ? "Approved" : "Rejected")} the promotion of '{parsed.GetValue(dataset)}' as {parsed.GetValue(by)}.");
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Versions(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption();
        var command = new Command("versions", "List a dataset's published versions.") { dataset };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var list = await api.GetAsync($"datasets/{parsed.GetValue(dataset)}/versions", ct);
            await PrintAsync(terminal, list, () =>
            {
                var rows = list.GetProperty("versions").EnumerateArray().Select(v =>
                    $"{(v.GetProperty("current").GetBoolean() ? "*" : " ")} {v.GetProperty("version").GetInt32(),4}  {v.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm}  {v.GetProperty("images").GetInt32(),8:N0} images  {v.GetProperty("id").GetString()}").ToList();
                return rows.Count == 0 ? $"'{parsed.GetValue(dataset)}' has no published version." : "  version  published (UTC)           images  id\n" + string.Join(Environment.NewLine, rows);
            });
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Diff(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption();
        var from = VersionOption<int>("--from", "The earlier version.", required: true);
        var to = VersionOption<int>("--to", "The later version.", required: true);
        var command = new Command("diff", "What changed between two versions: added, removed and relabelled images, class counts.") { dataset, from, to };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var diff = await api.GetAsync($"datasets/{parsed.GetValue(dataset)}/diff?from={parsed.GetValue(from)}&to={parsed.GetValue(to)}", ct);
            await PrintAsync(terminal, diff, () =>
            {
                var lines = new List<string> { $"{diff.GetProperty("addedCount").GetInt32():N0} added, {diff.GetProperty("removedCount").GetInt32():N0} removed, {diff.GetProperty("relabelledCount").GetInt32():N0} relabelled" };
                foreach (var (kind, sign) in new[] { ("added", "+"), ("removed", "-"), ("relabelled", "~") })
                {
                    lines.AddRange(diff.GetProperty(kind).EnumerateArray().Take(20).Select(i => $"  {sign} {i.GetProperty("fileName").GetString()} ({i.GetProperty("path").GetString()})"));
                }

                lines.AddRange(diff.GetProperty("labels").EnumerateArray().Select(l => $"  class {l.GetProperty("label").GetString()}: {l.GetProperty("from").GetInt32()} → {l.GetProperty("to").GetInt32()} boxes"));
                return string.Join(Environment.NewLine, lines);
            });
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Rollback(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption();
        var to = VersionOption<int>("--to", "The published version the dataset's pointer should name.", required: true);
        var command = new Command("rollback", "Point the dataset at an earlier published version (no version is edited).") { dataset, to };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var result = await api.PostAsync($"datasets/{parsed.GetValue(dataset)}/rollback", new { version = parsed.GetValue(to) }, ct);
            await PrintAsync(terminal, result, () => $"'{parsed.GetValue(dataset)}' now points at version {result.GetProperty("to").GetInt32()} (was {result.GetProperty("from")}).");
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Report(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption(required: false);
        var batch = BatchOption("A batch's report.");
        var version = VersionOption<int?>("--version", "The version (default: the current one).", required: false);
        var file = new Option<string?>("--out") { Description = "Where to write the HTML file (default: out/<name>.report.html)." };
        var command = new Command("report", "Write the self-contained HTML quality report of a batch or a dataset version.") { dataset, batch, version, file };
        RequireOneOf(command, dataset, batch);
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var path = await WriteReportAsync(api, parsed.GetValue(dataset), parsed.GetValue(version), parsed.GetValue(batch), parsed.GetValue(file), ct);
            await PrintAsync(terminal, JsonSerializer.SerializeToElement(new { report = path }), () => $"Report: {path}");
            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>Fetches a report and writes it; returns the file's full path.</summary>
    internal static async Task<string> WriteReportAsync(ApiClient api, string? dataset, int? version, string? batch, string? file, CancellationToken ct)
    {
        string route;
        if (dataset is not null)
        {
            version ??= (await api.GetAsync($"datasets/{dataset}/versions", ct)).GetProperty("current") is { ValueKind: JsonValueKind.Number } current
                ? current.GetInt32()
                : throw new ApiException(System.Net.HttpStatusCode.NotFound, $"'{dataset}' has no published version.");
            route = $"datasets/{dataset}/versions/{version}/report";
            file ??= Path.Combine("out", $"{dataset}-v{version}.report.html");
        }
        else
        {
            route = $"batches/{Uri.EscapeDataString(batch!)}/report";
            file ??= Path.Combine("out", $"{batch}.report.html");
        }

        var full = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var html = await api.DownloadAsync(route, ct);
        await using var target = File.Create(full);
        await html.CopyToAsync(target, ct);
        return full;
    }

    private static Command Pull(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = DatasetOption();
        var version = VersionOption<int?>("--version", "The version (default: the current one).", required: false);
        var to = new Option<string>("--to") { Description = "The folder to fill: the images, manifest.jsonl, dataset.json and the annotations in the chosen format.", Required = true };
        var format = new Option<string?>("--format")
        {
            Description = "coco: images/ and annotations.coco.json; yolo: images/, labels/, {split}.txt and data.yaml (Ultralytics); "
                + "voc: JPEGImages/, Annotations/ and ImageSets/Main/ (a VOC devkit year folder). Default: coco and yolo together.",
        };
        format.AcceptOnlyFromAmong(PullFormats.Coco, PullFormats.Yolo, PullFormats.Voc);
        var command = new Command("pull", "Download a dataset version, verifying every file against the manifest's SHA-256; resumes after an interruption.") { dataset, version, to, format };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var result = await PullAsync(api, terminal, parsed.GetValue(dataset)!, parsed.GetValue(version), parsed.GetValue(to)!, ct, parsed.GetValue(format));
            await PrintAsync(terminal, JsonSerializer.SerializeToElement(result, PipelineJson.Options), () =>
                $"Version {result.Version} of '{result.Dataset}' in {result.Folder} as {string.Join(" and ", result.Formats)}: {result.Images:N0} images ({result.Downloaded:N0} downloaded, {result.AlreadyThere:N0} already there and verified).");
            return PipelineCli.Accepted;
        });
        return command;
    }

    internal sealed record PullResult(string Dataset, int Version, string Id, string Folder, int Images, int Downloaded, int AlreadyThere, IReadOnlyList<string> Formats);

    /// <summary>The layouts <c>pull --format</c> writes.</summary>
    internal static class PullFormats
    {
        public const string Coco = "coco";
        public const string Yolo = "yolo";
        public const string Voc = "voc";
    }

    /// <summary>
    /// Downloads a version: the manifest first (checked against the version id, its SHA-256), then every image not
    /// already present with the right hash, each written to a <c>.partial</c> file, checked, and only then moved to
    /// its name; the exports last. Running it again after an interruption fetches only what is missing or wrong.
    /// <paramref name="format"/> chooses the layout (null: COCO and YOLO beside one <c>images/</c> folder); a version
    /// published before VOC archives were written gets its VOC files built here from the verified manifest.
    /// </summary>
    internal static async Task<PullResult> PullAsync(ApiClient api, Terminal terminal, string dataset, int? version, string folder, CancellationToken ct, string? format = null)
    {
        string[] formats = format is null ? [PullFormats.Coco, PullFormats.Yolo] : [format];
        var versions = await api.GetAsync($"datasets/{dataset}/versions", ct);
        var n = version ?? (versions.GetProperty("current") is { ValueKind: JsonValueKind.Number } current ? current.GetInt32()
            : throw new ApiException(System.Net.HttpStatusCode.NotFound, $"'{dataset}' has no published version."));
        var info = await api.GetAsync($"datasets/{dataset}/versions/{n}", ct);
        var id = info.GetProperty("id").GetString()!;
        var root = Path.GetFullPath(folder);
        // The devkit keeps its images in JPEGImages/ (whatever their format); the manifest's paths are images/{name}.
        var imageFolder = format == PullFormats.Voc ? "JPEGImages" : "images";
        Directory.CreateDirectory(Path.Combine(root, imageFolder));

        var manifestPath = Path.Combine(root, "manifest.jsonl");
        await DownloadVerifiedAsync(api, $"datasets/{dataset}/versions/{n}/files/manifest.jsonl", manifestPath, id, null, ct);
        var entries = new List<ManifestEntry>();
        await using (var manifest = File.OpenRead(manifestPath))
        {
            await foreach (var entry in DatasetManifest.ReadAsync(manifest, ct))
            {
                entries.Add(entry);
            }
        }

        int downloaded = 0, present = 0, done = 0;
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (entry, token) =>
        {
            var target = Path.Combine(root, imageFolder, Path.GetFileName(entry.Path));
            if (File.Exists(target) && new FileInfo(target).Length == entry.Size && await HashAsync(target, token) == entry.Sha256)
            {
                Interlocked.Increment(ref present);
            }
            else
            {
                await DownloadVerifiedAsync(api, $"datasets/{dataset}/images/{Path.GetFileName(entry.Path)}", target, entry.Sha256, entry.Size, token);
                Interlocked.Increment(ref downloaded);
            }

            terminal.Progress("images", Interlocked.Increment(ref done), entries.Count);
        });

        await DownloadVerifiedAsync(api, $"datasets/{dataset}/versions/{n}/files/dataset.json", Path.Combine(root, "dataset.json"), null, null, ct);
        if (formats.Contains(PullFormats.Coco))
        {
            await DownloadVerifiedAsync(api, $"datasets/{dataset}/versions/{n}/files/annotations.coco.json", Path.Combine(root, "annotations.coco.json"), null, null, ct);
        }

        // The archives are unpacked in place (YOLO: labels, lists and data.yaml beside images/, the Ultralytics layout;
        // VOC: Annotations/ and ImageSets/ beside JPEGImages/); each archive stays as the record.
        foreach (var (name, archive, write) in new (string, string, Func<Func<Stream>, Stream, CancellationToken, Task>)[]
            { (PullFormats.Yolo, "yolo.tar", VersionExports.WriteYoloAsync), (PullFormats.Voc, "voc.tar", VersionExports.WriteVocAsync) })
        {
            if (!formats.Contains(name))
            {
                continue;
            }

            var path = Path.Combine(root, archive);
            if (info.TryGetProperty("files", out var files) && files.TryGetProperty(name, out _))
            {
                await DownloadVerifiedAsync(api, $"datasets/{dataset}/versions/{n}/files/{archive}", path, null, null, ct);
            }
            else
            {
                await using var file = File.Create(path);
                await write(() => File.OpenRead(manifestPath), file, ct);
            }

            await TarFile.ExtractToDirectoryAsync(path, root, overwriteFiles: true, ct);
        }

        return new PullResult(dataset, n, id, root, entries.Count, downloaded, present, formats);
    }

    /// <summary>Downloads to <c>{target}.partial</c>, checks size and SHA-256 when given, then moves it to its name.</summary>
    private static async Task DownloadVerifiedAsync(ApiClient api, string route, string target, string? sha256, long? size, CancellationToken ct)
    {
        var partial = target + ".partial";
        for (var attempt = 1; ; attempt++)
        {
            await using (var source = await api.DownloadAsync(route, ct))
            await using (var file = File.Create(partial))
            {
                await source.CopyToAsync(file, ct);
            }

            if ((size is null || new FileInfo(partial).Length == size) && (sha256 is null || await HashAsync(partial, ct) == sha256))
            {
                File.Move(partial, target, overwrite: true);
                return;
            }

            File.Delete(partial);
            if (attempt == 2)
            {
                throw new InvalidDataException($"{route} does not match the manifest's size and SHA-256, twice; nothing was kept under its name.");
            }
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    internal static async Task PrintAsync(Terminal terminal, JsonElement json, Func<string> text)
    {
        if (terminal.Json)
        {
            await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(json, Indented));
        }
        else
        {
            await terminal.Output.WriteLineAsync(text());
        }
    }
}
