using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions.Tests;

/// <summary>The dataset routes through their HTTP functions, on Azurite and the in-process Durable Task engine.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DatasetHttpTests(AzuriteFixture azurite)
{
    internal static HttpRequest Request(string? body = null, string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
        }

        return context.Request;
    }

    internal static (int Status, JsonElement Body) Read(IActionResult result)
    {
        var content = Assert.IsType<ContentResult>(result);
        return (content.StatusCode!.Value, JsonDocument.Parse(content.Content!).RootElement);
    }

    private static string Error(IActionResult result) => Read(result).Body.GetProperty("error").GetString()!;

    [Fact]
    public void Every_dataset_route_requires_a_function_key()
    {
        var methods = new[] { typeof(DatasetHttp), typeof(ReviewHttp), typeof(CatalogHttp) }.SelectMany(t => t.GetMethods()).Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null).ToList();

        Assert.Equal(19, methods.Count);
        Assert.All(methods, m => Assert.Equal(AuthorizationLevel.Function, m.GetParameters()[0].GetCustomAttribute<HttpTriggerAttribute>()!.AuthLevel));
        Assert.All(methods, m => Assert.Matches("^((datasets/\\{dataset\\}|batches/\\{batch\\})/|datasets$)", m.GetParameters()[0].GetCustomAttribute<HttpTriggerAttribute>()!.Route));
    }

    [Fact]
    public async Task Bad_inputs_get_a_clear_4xx_and_change_nothing()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await DurableTestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);
        var http = new DatasetHttp(ActivatorUtilities.CreateInstance<DatasetApi>(storage.Services));
        var t = timeout.Token;

        Assert.Contains("is not a dataset name", Error(await http.StartPromotion(Request(), "Bad_Name", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("not valid JSON", Error(await http.StartPromotion(Request("{oops"), "cats", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("is not a SHA-256", Error(await http.StartPromotion(Request("""{"remove": ["abc"]}"""), "cats", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("is not a batch name", Error(await http.StartPromotion(Request("""{"batches": ["a/b"]}"""), "cats", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("approvalTimeoutHours", Error(await http.StartPromotion(Request("""{"approvalTimeoutHours": -1}"""), "cats", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("is not a version number", Error(await http.GetVersion(Request(), "cats", "abc", t)), StringComparison.Ordinal);
        Assert.Contains("is not a version number", Error(await http.GetVersion(Request(), "cats", "0", t)), StringComparison.Ordinal);
        Assert.Contains("from is required", Error(await http.DiffVersions(Request(query: "?to=2"), "cats", t)), StringComparison.Ordinal);
        Assert.Contains("approver is required", Error(await http.ApprovePromotion(Request("{}"), "cats", host.Client, t)), StringComparison.Ordinal);
        Assert.Contains("version is required", Error(await http.Rollback(Request("{}"), "cats", t)), StringComparison.Ordinal);
        Assert.Contains("is not a published image name", Error(await http.GetImage(Request(), "cats", "../x", t)), StringComparison.Ordinal);
        Assert.Equal(404, Read(await http.GetVersion(Request(), "cats", "3", t)).Status);
        Assert.Equal(404, Read(await http.GetPromotion(Request(), "cats", host.Client, t)).Status);
        Assert.Equal(409, Read(await http.RejectPromotion(Request("""{"approver": "alice"}"""), "cats", host.Client, t)).Status);
        var gate = Read(await http.PutGate(Request("""{"version": 1, "expectations": [{"expect": "min_images"}]}"""), "cats", t));
        Assert.Equal(400, gate.Status);
        Assert.Contains("min is required", gate.Body.GetProperty("detail")[0].GetString(), StringComparison.Ordinal);

        Assert.Null(await storage.Services.GetRequiredService<IPromotionBlobs>().ReadGateAsync("cats", t));
        Assert.Empty(await storage.ListAsync(storage.Production));
        Assert.Null(await host.Client.GetInstanceAsync(PromoteOrchestration.InstanceIdFor("cats"), t));
    }

    [Fact]
    public async Task A_dataset_is_gated_approved_published_listed_diffed_and_rolled_back_over_http()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await DurableTestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);
        var http = new DatasetHttp(ActivatorUtilities.CreateInstance<DatasetApi>(storage.Services));
        var t = timeout.Token;

        Assert.Equal(200, Read(await http.PutGate(Request("""{"version": 7, "expectations": [], "approval": {"required": "always"}}"""), "cats", t)).Status);
        Assert.Equal(202, Read(await http.StartPromotion(Request(), "cats", host.Client, t)).Status);
        var again = Read(await http.StartPromotion(Request(), "cats", host.Client, t));
        Assert.Equal((409, "A promotion of 'cats' is already running."), (again.Status, again.Body.GetProperty("error").GetString()));
        await OrchestrationWaits.ApprovalAsync(host.Client, "cats", t);
        Assert.Equal("awaiting_approval", Read(await http.GetPromotion(Request(), "cats", host.Client, t)).Body.GetProperty("progress").GetProperty("stage").GetString());

        Assert.Equal(200, Read(await http.ApprovePromotion(Request("""{"approver": "alice", "comment": "ok"}"""), "cats", host.Client, t)).Status);
        await host.Client.WaitForInstanceCompletionAsync(PromoteOrchestration.InstanceIdFor("cats"), t);

        var status = Read(await http.GetPromotion(Request(), "cats", host.Client, t)).Body;
        Assert.Equal("published", status.GetProperty("result").GetProperty("outcome").GetString());
        var list = Read(await http.ListVersions(Request(), "cats", t)).Body;
        Assert.Equal(1, list.GetProperty("current").GetInt32());
        var version = Read(await http.GetVersion(Request(), "cats", "1", t)).Body;
        Assert.Equal("alice", version.GetProperty("approval").GetProperty("by").GetString());
        var manifest = Assert.IsType<FileStreamResult>(await http.GetVersionFile(Request(), "cats", "1", "manifest.jsonl", t));
        var first = JsonDocument.Parse(new StreamReader(manifest.FileStream).ReadLine()!).RootElement;
        var image = Assert.IsType<FileStreamResult>(await http.GetImage(Request(), "cats", first.GetProperty("path").GetString()!["images/".Length..], t));
        Assert.Equal(first.GetProperty("size").GetInt64(), await CountAsync(image.FileStream));
        Assert.Equal(0, Read(await http.DiffVersions(Request(query: "?from=1&to=1"), "cats", t)).Body.GetProperty("addedCount").GetInt32());
        Assert.Equal(200, Read(await http.Rollback(Request("""{"version": 1}"""), "cats", t)).Status);
        Assert.Equal(404, Read(await http.Rollback(Request("""{"version": 9}"""), "cats", t)).Status);
        var gate = Assert.IsType<FileStreamResult>(await http.GetGate(Request(), "cats", t));
        Assert.Contains("\"version\": 7", new StreamReader(gate.FileStream).ReadToEnd(), StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.Length;
    }
}
