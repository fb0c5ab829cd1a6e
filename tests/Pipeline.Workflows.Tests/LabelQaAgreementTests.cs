using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core;
using Pipeline.Core.Labels;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;

namespace Pipeline.Workflows.Tests;

/// <summary>Agreement in label QA when each annotator delivers a file of their own, against a ground truth.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LabelQaAgreementTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    private const string Cat = """{"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 10, 100, 100]}""";
    private const string Dog = """{"id": 2, "image_id": 7, "category_id": 2, "bbox": [150, 100, 100, 100]}""";
    private const string DogAsCat = """{"id": 2, "image_id": 7, "category_id": 1, "bbox": [152, 101, 100, 100]}""";

    private static string File(params string[] boxes) =>
        "{\"images\": [{\"id\": 7, \"file_name\": \"cat.jpg\", \"width\": 320, \"height\": 240}]," +
        " \"categories\": [{\"id\": 1, \"name\": \"cat\"}, {\"id\": 2, \"name\": \"dog\"}]," +
        $" \"annotations\": [{string.Join(", ", boxes)}]}}";

    [Fact]
    public async Task One_file_per_annotator_is_scored_against_the_ground_truth()
    {
        await using var storage = azurite.CreateStorage();
        var uploads = new Dictionary<string, string>
        {
            ["qa/ground-truth/coco.json"] = File(Cat, Dog),
            ["qa/annotators/ann/coco.json"] = File(Cat, Dog),
            ["qa/annotators/bob/coco.json"] = File(Cat),
            ["qa/annotators/cyd/coco.json"] = File(Cat, DogAsCat),
        };
        foreach (var (name, text) in uploads)
        {
            await storage.UploadAsync(name, Encoding.UTF8.GetBytes(text));
            await storage.Ingest.IngestAsync(name, testTimeout);
        }

        await storage.UploadAsync("qa/cat.jpg", TestFiles.Jpeg(320, 240));
        await storage.Ingest.IngestAsync("qa/cat.jpg", testTimeout);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.LabelQa, new LabelQaInput("qa"), new StartOrchestrationOptions(LabelQaOrchestration.InstanceIdFor("qa")), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());

        var result = JsonSerializer.Deserialize<LabelQaResult>((await storage.Reports.GetBlobClient("qa/qa.json").DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
        var scores = result.Annotators.ToDictionary(a => a.Annotator);
        Assert.Equal(["ann", "bob", "cyd"], scores.Keys.Order());
        Assert.Equal((1.0, 1.0), (scores["ann"].Precision, scores["ann"].Recall));
        Assert.Equal((1.0, 0.5), (scores["bob"].Precision, scores["bob"].Recall)); // missed the dog
        Assert.Equal((0.5, 0.5), (scores["cyd"].Precision, scores["cyd"].Recall)); // called the dog a cat
        Assert.Equal("cat.jpg", Assert.Single(result.Disputed).Image);
        Assert.Equal(1, done.ReadCustomStatusAs<LabelQaProgress>()!.Total); // the four files are one unit
        Assert.DoesNotContain(result.Codes, c => c.Severity == Pipeline.Core.Findings.Severity.Error);
    }

    [Fact]
    public async Task Yolo_folders_per_annotator_pair_with_the_batch_images_and_share_its_class_list()
    {
        await using var storage = azurite.CreateStorage();
        var uploads = new Dictionary<string, string>
        {
            ["y/classes.txt"] = "dog\ncat\n",
            ["y/ground-truth/labels/dog.txt"] = "0 0.5 0.5 0.2 0.2\n1 0.2 0.2 0.1 0.1\n",
            ["y/annotators/ann/labels/dog.txt"] = "0 0.5 0.5 0.2 0.2\n1 0.2 0.2 0.1 0.1\n",
            ["y/annotators/bob/labels/dog.txt"] = "0 0.501 0.5 0.2 0.2\n",
        };
        foreach (var (name, text) in uploads)
        {
            await storage.UploadAsync(name, Encoding.UTF8.GetBytes(text));
            await storage.Ingest.IngestAsync(name, testTimeout);
        }

        await storage.UploadAsync("y/images/dog.jpg", TestFiles.Jpeg(320, 240));
        await storage.Ingest.IngestAsync("y/images/dog.jpg", testTimeout);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.LabelQa, new LabelQaInput("y"), new StartOrchestrationOptions(LabelQaOrchestration.InstanceIdFor("y")), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());

        var result = JsonSerializer.Deserialize<LabelQaResult>((await storage.Reports.GetBlobClient("y/qa.json").DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
        var scores = result.Annotators.ToDictionary(a => a.Annotator);
        Assert.Equal((1.0, 1.0), (scores["ann"].Precision, scores["ann"].Recall));
        Assert.Equal((1.0, 0.5), (scores["bob"].Precision, scores["bob"].Recall));
        Assert.DoesNotContain(result.Codes, c => c.Code == Pipeline.Core.Findings.FindingCodes.LabelAnnotationWithoutImage); // labels/dog.txt paired with images/dog.jpg in every folder
        Assert.Equal(5, result.Boxes);
    }
}
