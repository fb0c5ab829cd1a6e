using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>pipeline upload</c> against a runner that fails now and then (a fake API on loopback) and real storage:
/// transient failures are retried, a file that keeps failing is named, a second run resumes, rejects exit 1.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class UploadRetryTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("upload-").FullName;
    private readonly string batch = "r" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The folder, and what the test uploaded to the shared <c>incoming</c> container.</summary>
    public void Dispose()
    {
        Directory.Delete(folder, recursive: true);
        var container = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("incoming");
        foreach (var blob in container.GetBlobs(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batch + "/" }))
        {
            container.DeleteBlob(blob.Name);
        }
    }

    /// <summary>A runner's events route: <paramref name="answer"/> gives the status code and the verdict for each call's blob name.</summary>
    private static (HttpListener Listener, string Url) FakeRunner(Func<string, int, (int Status, string Verdict)> answer)
    {
        var port = TestPorts.Free();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var calls = new ConcurrentDictionary<string, int>();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return; // stopped
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var subject = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement[0].GetProperty("subject").GetString()!;
                var name = subject[(subject.IndexOf("/blobs/", StringComparison.Ordinal) + "/blobs/".Length)..];
                var (status, verdict) = answer(name, calls.AddOrUpdate(name, 1, (_, n) => n + 1));
                context.Response.StatusCode = status;
                var body = status == 200
                    ? JsonSerializer.Serialize(new { handled = 1, verdicts = new[] { new { name, status = verdict, codes = verdict == "rejected" ? new[] { "image.corrupt" } : [] } } })
                    : """{"error": "The runner is restarting."}""";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body));
                context.Response.Close();
            }
        });
        return (listener, $"http://127.0.0.1:{port}");
    }

    private async Task<(int Exit, string Output, string Error)> UploadAsync(string url)
    {
        UploadCommand.FirstBackOff = TimeSpan.FromMilliseconds(5);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PipelineCli.RunAsync(["upload", folder, "--batch", batch, "--api", url, "--connection", azurite.ConnectionString], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private void Images(int count)
    {
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"img{i:00}.jpg"), TestFiles.Jpeg(64, 48, seed: i));
        }
    }

    [Fact]
    public async Task Answers_of_503_are_retried_and_every_file_is_sent()
    {
        Images(12);
        // Each file's first two notifications fail, as a runner that restarts would.
        var (listener, url) = FakeRunner((_, call) => call <= 2 ? (503, string.Empty) : (200, "accepted"));
        using var _ = listener;

        var (exit, output, error) = await UploadAsync(url);

        Assert.True(exit == PipelineCli.Accepted, output + error);
        Assert.Contains("12 files: 12 accepted, 0 rejected", output, StringComparison.Ordinal);
        listener.Stop();
    }

    [Fact]
    public async Task A_file_that_keeps_failing_is_named_with_exit_4_and_a_second_run_sends_only_what_is_left()
    {
        Images(6);
        var broken = true;
        var (listener, url) = FakeRunner((name, _) => broken && name.EndsWith("img03.jpg", StringComparison.Ordinal) ? (503, string.Empty) : (200, "accepted"));
        using var _ = listener;

        var first = await UploadAsync(url);
        broken = false;
        var container = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("incoming");
        var etags = new Dictionary<string, Azure.ETag>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batch + "/" }))
        {
            etags[blob.Name] = blob.Properties.ETag!.Value;
        }

        var second = await UploadAsync(url);

        Assert.Equal(PipelineCli.ServiceError, first.Exit);
        Assert.Contains("5 files: 5 accepted, 0 rejected", first.Output, StringComparison.Ordinal);
        Assert.Contains($"1 files were not sent", first.Output, StringComparison.Ordinal);
        Assert.Contains($"not sent {batch}/img03.jpg: the API answered 503", first.Output, StringComparison.Ordinal);
        Assert.True(second.Exit == PipelineCli.Accepted, second.Output + second.Error);
        Assert.Contains("6 files: 6 accepted, 0 rejected", second.Output, StringComparison.Ordinal);
        // The blobs the first run uploaded were not written again (same bytes, same ETag).
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batch + "/" }))
        {
            Assert.Equal(etags[blob.Name], blob.Properties.ETag!.Value);
        }

        listener.Stop();
    }

    [Fact]
    public async Task A_rejected_file_makes_upload_exit_1_as_the_readme_says()
    {
        Images(3);
        var (listener, url) = FakeRunner((name, _) => (200, name.EndsWith("img01.jpg", StringComparison.Ordinal) ? "rejected" : "accepted"));
        using var _ = listener;

        var (exit, output, _) = await UploadAsync(url);

        Assert.Equal(PipelineCli.Rejected, exit);
        Assert.Contains($"rejected {batch}/img01.jpg: image.corrupt", output, StringComparison.Ordinal);
        listener.Stop();
    }
}
