using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;

namespace Pipeline.Testing;

/// <summary>Batches of labelled images ingested into a dataset, and gates, for promotion tests.</summary>
public static class PromotionTestData
{
    public const string Dataset = "cats";

    public static string Coco(params (string File, string Label)[] boxes) =>
        JsonSerializer.Serialize(new
        {
            images = boxes.Select(b => b.File).Distinct().Select((f, i) => new { id = i + 1, file_name = f, width = 320, height = 240 }),
            categories = new[] { new { id = 1, name = "cat" }, new { id = 2, name = "dog" } },
            annotations = boxes.Select((b, i) => new
            {
                id = i + 1,
                image_id = boxes.Select(x => x.File).Distinct().ToList().IndexOf(b.File) + 1,
                category_id = b.Label == "cat" ? 1 : 2,
                bbox = new[] { 10 + i, 10, 50, 40 },
            }),
        });

    /// <summary>Uploads and ingests <paramref name="count"/> images (and a COCO file labelling each) as one batch of the dataset.</summary>
    public static async Task IngestBatchAsync(TestStorage storage, string batch, int count, int seed = 0, string dataset = Dataset, Func<int, string>? label = null)
    {
        label ??= i => i % 3 == 0 ? "dog" : "cat";
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            names.Add($"{batch}/img{i}.jpg");
            await storage.UploadAsync(names[^1], TestFiles.Jpeg(320, 240, seed: seed + i + 1), dataset);
        }

        names.Add($"{batch}/coco.json");
        await storage.UploadAsync(names[^1], Encoding.UTF8.GetBytes(Coco([.. Enumerable.Range(0, count).Select(i => ($"img{i}.jpg", label(i)))])), dataset);
        foreach (var name in names)
        {
            await storage.Ingest.IngestAsync(name, CancellationToken.None);
        }
    }

    /// <summary>
    /// Ingests batch <paramref name="batch"/>: one 320 × 240 image and a COCO file whose one box reaches far outside it,
    /// an error label QA reports (<c>label.box_out_of_bounds</c>) and the default gate blocks on.
    /// </summary>
    public static async Task IngestOutOfBoundsBoxAsync(TestStorage storage, string batch, CancellationToken cancellationToken)
    {
        await storage.UploadAsync($"{batch}/img0.jpg", TestFiles.Jpeg(320, 240, seed: 1), Dataset);
        await storage.UploadAsync($"{batch}/coco.json", Encoding.UTF8.GetBytes("""
            {"images": [{"id": 1, "file_name": "img0.jpg", "width": 320, "height": 240}],
             "categories": [{"id": 1, "name": "cat"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [300, 10, 100, 100]}]}
            """), Dataset);
        await storage.Ingest.IngestAsync($"{batch}/img0.jpg", cancellationToken);
        await storage.Ingest.IngestAsync($"{batch}/coco.json", cancellationToken);
    }

    /// <summary>A promotion of two images of batch b1 of the dataset that waits for a person (the gate asks for approval of every promotion), on <paramref name="runner"/>.</summary>
    public static async Task PromotionAwaitingApprovalAsync(TestStorage storage, Pipeline.Local.RunningRunner runner, CancellationToken cancellationToken)
    {
        await UseGateWithoutLeakageAsync(storage, approval: "always");
        await IngestBatchAsync(storage, "b1", 2);
        await Pipeline.Workflows.Promotion.PromotionClient.StartAsync(
            runner.Client, runner.Locks, new Pipeline.Workflows.Promotion.PromoteInput(new Pipeline.Core.Datasets.PromotionRequest(Dataset)), cancellationToken);
        await OrchestrationWaits.ApprovalAsync(runner.Client, Dataset, cancellationToken);
    }

    /// <summary>
    /// A gate that blocks error findings only. The synthetic test pictures resemble each other enough to be near
    /// duplicates, so the default gate would (rightly) find leakage between them; tests about other things use this.
    /// </summary>
    public static Task UseGateWithoutLeakageAsync(TestStorage storage, string approval = "never") =>
        storage.Services.GetRequiredService<IPromotionBlobs>().WriteGateAsync(Dataset, Encoding.UTF8.GetBytes($$$"""
            {"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}], "approval": {"required": "{{{approval}}}"} }
            """), CancellationToken.None);
}
