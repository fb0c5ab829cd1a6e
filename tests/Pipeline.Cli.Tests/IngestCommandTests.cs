using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class IngestCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Ingesting_the_samples_files_every_upload_and_exits_1_for_the_bad_ones()
    {
        var incoming = $"t{Guid.NewGuid():N}"[..12];
        // Process-wide settings: safe because every test that reads them (the CLI's storage commands) is in the
        // Azurite collection, which xUnit runs one test at a time; they are cleared in the finally below.
        Environment.SetEnvironmentVariable("Pipeline__Storage__IncomingContainer", incoming + "-in");
        Environment.SetEnvironmentVariable("Pipeline__Storage__StagingContainer", incoming + "-st");
        Environment.SetEnvironmentVariable("Pipeline__Storage__QuarantineContainer", incoming + "-qu");
        Environment.SetEnvironmentVariable("Pipeline__Storage__CatalogTable", incoming + "cat");
        Environment.SetEnvironmentVariable("Pipeline__Storage__ContentTable", incoming + "con");
        Environment.SetEnvironmentVariable("Pipeline__Storage__StatisticsTable", incoming + "sta");
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var tables = new TableServiceClient(azurite.ConnectionString);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            var exit = await PipelineCli.RunAsync(["ingest", RepositoryPaths.Samples, "--batch", "demo", "--dataset", "samples", "--connection", azurite.ConnectionString], output, error);

            Assert.Equal(PipelineCli.Rejected, exit);
            Assert.Equal(string.Empty, error.ToString());
            // Six photographs and their annotation file accepted, ten bad files rejected, the README recorded as what it is.
            Assert.Contains("18 files (1 annotation files): 7 accepted (", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("10 rejected; 1 layout files recognised", output.ToString(), StringComparison.Ordinal);
            var staged = blobs.GetBlobContainerClient(incoming + "-st").GetBlobsAsync().ToBlockingEnumerable().Count();
            Assert.Equal(7, staged);
            var rows = tables.GetTableClient(incoming + "cat").Query<TableEntity>().ToList();
            Assert.Equal(18, rows.Count);
            Assert.Equal("layout", Assert.Single(rows, r => r.GetString("Name") == "demo/README.md").GetString("Kind"));
            Assert.All(rows, r => Assert.Equal("demo", r.PartitionKey));
            Assert.All(rows, r => Assert.Equal("samples", r.GetString("Dataset")));
            Assert.Equal(20, blobs.GetBlobContainerClient(incoming + "-qu").GetBlobsAsync().ToBlockingEnumerable().Count()); // 10 files + 10 reasons
        }
        finally
        {
            foreach (var suffix in new[] { "-in", "-st", "-qu" })
            {
                await blobs.GetBlobContainerClient(incoming + suffix).DeleteIfExistsAsync();
            }

            await tables.DeleteTableAsync(incoming + "cat");
            await tables.DeleteTableAsync(incoming + "con");
            await tables.DeleteTableAsync(incoming + "sta");
            foreach (var key in new[] { "IncomingContainer", "StagingContainer", "QuarantineContainer", "CatalogTable", "ContentTable", "StatisticsTable" })
            {
                Environment.SetEnvironmentVariable("Pipeline__Storage__" + key, null);
            }
        }
    }
}
