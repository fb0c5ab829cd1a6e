using System.CommandLine;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline ingest &lt;folder&gt; --batch NAME</c>: uploads a folder to <c>incoming/{batch}/</c> and delivers one
/// BlobCreated notification per file to the ingest service, as Event Grid does in Azure; prints the verdicts.
/// </summary>
internal static class IngestCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "An image file, or a folder uploaded recursively." };
        var batch = ApiCommands.BatchOption("The batch: the first path segment in incoming.", required: true);
        var connection = new Option<string?>("--connection")
        {
            Description = "Storage connection string (default: the PipelineStorage or PIPELINE_STORAGE_CONNECTION environment variable).",
        };
        var dataset = ApiCommands.DatasetOption(required: false, description: "The dataset the files belong to (blob metadata 'dataset'; default: the configured default dataset).");
        var json = new Option<string?>("--json") { Description = "Write one JSON record per file (JSON Lines) to this file." };
        var command = new Command("ingest", "Upload files to incoming and ingest them against real storage (Azurite or Azure).") { path, batch, dataset, connection, json };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var target = parsed.GetValue(path)!;
            var batchName = parsed.GetValue(batch)!;
            var connectionString = parsed.GetValue(connection)
                ?? Environment.GetEnvironmentVariable(PipelineStorageOptions.ConnectionName)
                ?? Environment.GetEnvironmentVariable("PIPELINE_STORAGE_CONNECTION");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                await error.WriteLineAsync("No storage connection: pass --connection or set PipelineStorage.");
                return PipelineCli.UsageError;
            }

            var datasetName = parsed.GetValue(dataset); // both names were checked by their options' validators
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                await error.WriteLineAsync($"No such file or folder: {target}");
                return PipelineCli.UsageError;
            }

            var collected = FileSet.Collect(target);
            var files = collected.ToUpload(); // annotation and layout files are ingested too, each judged (or recognised) on its own
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            await using var services = new ServiceCollection()
                .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
                .AddPipelineIngest(configuration, StorageConnection.FromConnectionString(connectionString))
                .BuildServiceProvider();
            await services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(cancellationToken);
            var incoming = services.GetRequiredService<BlobServiceClient>()
                .GetBlobContainerClient(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineStorageOptions>>().Value.IncomingContainer);
            var ingest = services.GetRequiredService<IngestService>();

            var reports = new FileReport[files.Count];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, files.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount), CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    var (full, relative) = files[i];
                    var name = $"{batchName}/{relative}";
                    await using (var stream = File.OpenRead(full))
                    {
                        await incoming.GetBlobClient(name).UploadAsync(
                            stream,
                            new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = datasetName is null ? null : new Dictionary<string, string> { ["dataset"] = datasetName } },
                            ct);
                    }

                    var entry = (await ingest.IngestAsync(name, ct)).Entry!;
                    reports[i] = FileReport.Of(name, entry);
                });

            var all = reports.Concat(collected.Others.Where(o => o.Kind.Role == FileRole.Unrecognised).Select(o => FileReport.Other(o.RelativePath, o.Kind))).ToList();
            await new Reporter(output).PrintAsync(all, DatasetFiles.Layouts([.. all.Select(r => r.Path)]));
            if (parsed.GetValue(json) is { } jsonPath)
            {
                await Reporter.WriteJsonLinesAsync(jsonPath, all, cancellationToken);
            }

            return all.All(r => r.Passed) ? PipelineCli.Accepted : PipelineCli.Rejected;
        });
        return command;
    }
}
