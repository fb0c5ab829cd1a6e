using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions.Tests;

/// <summary>The look-up routes through their HTTP functions, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CatalogHttpTests(AzuriteFixture azurite)
{
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task Every_bad_filter_is_a_400_naming_it_and_a_good_query_finds_the_images()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 2);
        var http = new CatalogHttp(ActivatorUtilities.CreateInstance<CatalogApi>(storage.Services));
        HttpRequest Query(string query) => DatasetHttpTests.Request(query: query);

        string[] bad = ["?status=maybe", "?finding=Bad%20Code", "?limit=0", "?limit=10001", "?limit=ten", "?batch=..", "?label="];
        foreach (var query in bad)
        {
            var (status, body) = DatasetHttpTests.Read(await http.QueryCatalog(Query(query), "cats", testTimeout));
            Assert.True(status == 400, $"{query}: {status}");
            Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()));
        }

        Assert.Equal(400, DatasetHttpTests.Read(await http.QueryCatalog(Query(""), "../x", testTimeout)).Status);
        var (ok, found) = DatasetHttpTests.Read(await http.QueryCatalog(Query("?status=accepted&batch=b1"), "cats", testTimeout));
        Assert.Equal((200, 2, false), (ok, found.GetProperty("count").GetInt32(), found.GetProperty("truncated").GetBoolean()));
        var (listed, datasets) = DatasetHttpTests.Read(await http.ListAllDatasets(Query(""), testTimeout));
        Assert.Equal(200, listed);
        Assert.Contains(datasets.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("dataset").GetString() == "cats" && d.GetProperty("batches").GetInt32() == 1);
    }
}
