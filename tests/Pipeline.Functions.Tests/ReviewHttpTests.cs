using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Reviews;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions.Tests;

/// <summary>The review routes through their HTTP functions, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReviewHttpTests(AzuriteFixture azurite)
{
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task A_decision_is_recorded_listed_replaced_and_withdrawn_and_every_bad_input_is_refused_with_nothing_stored()
    {
        await using var storage = azurite.CreateStorage();
        var store = storage.Services.GetRequiredService<IReviewStore>();
        var http = new ReviewHttp(new ReviewApi(store, TimeProvider.System));
        var until = DateTimeOffset.UtcNow.AddDays(60).ToString("O");
        var t = testTimeout;

        string[] bad =
        [
            "",
            "{oops",
            """{"code": "image.dark", "scope": "dataset", "decision": "waived", "reason": "night", "by": "ana"}""",
            """{"code": "image.dark", "scope": "image", "decision": "waived", "reason": "night", "until": "UNTIL", "by": "ana"}""",
            """{"code": "../x", "scope": "dataset", "decision": "waived", "reason": "night", "until": "UNTIL", "by": "ana"}""",
            """{"code": "image.dark", "scope": "dataset", "decision": "waived", "reason": "", "until": "UNTIL", "by": "ana"}""",
            """{"code": "image.dark", "scope": "dataset", "decision": "waived", "reason": "night", "until": "2020-01-01T00:00:00Z", "by": "ana"}""",
        ];
        foreach (var body in bad)
        {
            var (status, error) = DatasetHttpTests.Read(await http.PutReview(DatasetHttpTests.Request(body.Replace("UNTIL", until, StringComparison.Ordinal)), "cats", t));
            Assert.True(status == 400, $"{body}: {status}");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));
        }

        Assert.Equal(400, DatasetHttpTests.Read(await http.PutReview(DatasetHttpTests.Request("""{"code": "image.dark"}"""), "Bad_Name", t)).Status);
        Assert.Equal(400, DatasetHttpTests.Read(await http.ListReviews(DatasetHttpTests.Request(), "../x", t)).Status);
        Assert.Equal(400, DatasetHttpTests.Read(await http.DeleteReview(DatasetHttpTests.Request(), "cats", "not-an-id", t)).Status);
        Assert.Empty(await store.ListAsync("cats", t));

        var good = $$"""{"code": "image.dark", "scope": "dataset", "decision": "waived", "reason": "night-time dataset", "until": "{{until}}", "by": "ana"}""";
        var (putStatus, put) = DatasetHttpTests.Read(await http.PutReview(DatasetHttpTests.Request(good), "cats", t));
        var (_, again) = DatasetHttpTests.Read(await http.PutReview(DatasetHttpTests.Request(good.Replace("night-time dataset", "still night", StringComparison.Ordinal)), "cats", t));
        var (_, listed) = DatasetHttpTests.Read(await http.ListReviews(DatasetHttpTests.Request(), "cats", t));
        var id = put.GetProperty("id").GetString()!;

        Assert.Equal(200, putStatus);
        Assert.Equal(("active", id), (put.GetProperty("state").GetString(), again.GetProperty("id").GetString()));
        var row = Assert.Single(listed.GetProperty("reviews").EnumerateArray());
        Assert.Equal(("still night", "ana", "dataset"), (row.GetProperty("reason").GetString(), row.GetProperty("by").GetString(), row.GetProperty("scope").GetString()));
        Assert.Equal(200, DatasetHttpTests.Read(await http.DeleteReview(DatasetHttpTests.Request(), "cats", id, t)).Status);
        Assert.Equal(404, DatasetHttpTests.Read(await http.DeleteReview(DatasetHttpTests.Request(), "cats", id, t)).Status);
        Assert.Empty(await store.ListAsync("cats", t));
    }
}
