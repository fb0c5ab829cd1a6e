using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local.Tests;

/// <summary>
/// The runner listens on 127.0.0.1 without keys; a web page the user visits must still not be able to drive it. The
/// attack that worked before: a cross-site POST with <c>Content-Type: text/plain</c> and a foreign Origin approved a
/// waiting promotion.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalRequestGuardTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_web_page_cannot_approve_a_waiting_promotion_nor_read_the_runner_through_a_rebound_name()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        await PromotionTestData.PromotionAwaitingApprovalAsync(storage, runner, timeout.Token);
        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
        var port = new Uri(runner.Url).Port;

        async Task<(HttpStatusCode Status, string Body)> Approve(string mediaType, params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "datasets/cats/promotion/approve")
            {
                Content = new StringContent("""{"approver": "mallory"}""", Encoding.UTF8, mediaType),
            };
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
        }

        var attack = await Approve("text/plain", ("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site"));
        var plain = await Approve("text/plain");
        var form = await Approve("application/x-www-form-urlencoded");
        var foreignJson = await Approve("application/json", ("Origin", "https://evil.example"));
        var nullOrigin = await Approve("application/json", ("Origin", "null"));
        var otherLocalPort = await Approve("application/json", ("Origin", $"http://127.0.0.1:{(port == 3000 ? 3001 : 3000)}"));
        var crossSite = await Approve("application/json", ("Sec-Fetch-Site", "cross-site"));
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "datasets/cats/versions");
        rebound.Headers.Host = $"evil.example:{port}";
        var reboundStatus = (await http.SendAsync(rebound, timeout.Token)).StatusCode;

        Assert.Equal(HttpStatusCode.Forbidden, attack.Status);
        Assert.Contains("another origin", JsonDocument.Parse(attack.Body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.Status);
        Assert.Equal(
            [HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden],
            [foreignJson.Status, nullOrigin.Status, otherLocalPort.Status, crossSite.Status, reboundStatus]);
        var waiting = await PromotionClient.GetAsync(runner.Client, "cats", timeout.Token);
        Assert.Equal("awaiting_approval", JsonSerializer.SerializeToElement(waiting, Pipeline.Core.PipelineJson.Options).GetProperty("progress").GetProperty("stage").GetString());

        // The runner's own pages (same origin) and clients that are not browsers still work.
        var sameOrigin = await Approve("application/json", ("Origin", $"http://127.0.0.1:{port}"), ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.OK, sameOrigin.Status);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("datasets/cats/versions", timeout.Token)).StatusCode);
    }

    [Fact]
    public async Task A_runner_with_a_token_answers_only_requests_that_carry_it()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token, s => s["Pipeline:Local:Token"] = "0123456789abcdef");
        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };

        async Task<HttpResponseMessage> Get(string path, string? authorization)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            return await http.SendAsync(request, timeout.Token);
        }

        var none = await Get("datasets", null);
        var wrong = await Get("datasets", "Bearer 0123456789abcdeX");
        var shorter = await Get("datasets", "Bearer 0123");
        var basic = await Get("datasets", "Basic MDEyMzQ1Njc4OWFiY2RlZg==");
        var health = await Get("health", null);
        var right = await Get("datasets", "Bearer 0123456789abcdef");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], [none.StatusCode, wrong.StatusCode, shorter.StatusCode, basic.StatusCode]);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("bearer token", JsonDocument.Parse(await none.Content.ReadAsStringAsync(timeout.Token)).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }
}
