using Pipeline.Core.Models;

namespace Pipeline.Core.Tests;

public sealed class HardExamplesTests
{
    private static string Name(long id) => id == 1 ? "cat" : "dog";

    [Fact]
    public void Uncertainty_is_the_largest_of_a_low_top_score_a_close_rival_class_and_tangled_weak_boxes()
    {
        Assert.Equal((1.0, "no prediction at all"), HardExamples.Uncertainty([], Name));
        Assert.Equal((0.1, "low top score: 0.90 (cat)"), Round(HardExamples.Uncertainty([new(1, 1, 0, 0, 10, 10, 0.9)], Name)));

        // cat 0.55 and dog 0.50 on one box: the top score says 0.45, the rival 1 − 0.05 = 0.95.
        Assert.Equal((0.95, "classes close on one object: cat 0.55 vs dog 0.50"), Round(HardExamples.Uncertainty([new(1, 1, 0, 0, 10, 10, 0.55), new(1, 2, 0, 0, 10, 10, 0.5)], Name)));

        // Four weak boxes, each overlapping another at IoU ≥ 0.3: 4 / 5 = 0.8, above the top score's 1 − 0.3 = 0.7.
        Detection[] tangled = [new(1, 1, 0, 0, 10, 10, 0.3), new(1, 1, 1, 0, 10, 10, 0.3), new(1, 1, 50, 50, 10, 10, 0.2), new(1, 1, 51, 50, 10, 10, 0.2)];
        Assert.Equal((0.8, "4 overlapping low-confidence boxes"), Round(HardExamples.Uncertainty(tangled, Name)));
    }

    [Fact]
    public void Picks_the_most_uncertain_never_two_near_duplicates_and_nothing_near_what_is_labelled()
    {
        SampleCandidate Candidate(string image, ulong hash, double top) => new(image, hash, [new(1, 1, 0, 0, 10, 10, top)]);
        SampleCandidate[] candidates =
        [
            Candidate("a.jpg", 0x0, 0.05), // 0.95
            Candidate("b.jpg", 0x1, 0.2), // 0.8, one bit from a: a near duplicate of it
            Candidate("c.jpg", ulong.MaxValue, 0.3), // 0.7, far from everything
            Candidate("d.jpg", 0xFF00FF00FF00FF00, 0.01), // 0.99, but 2 bits from an image already labelled
        ];

        var picked = HardExamples.Pick(candidates, [0xFF00FF00FF00FF03], budget: 2, distance: 10, Name);

        Assert.Equal(["a.jpg", "c.jpg"], picked.Select(p => p.Image));
        Assert.Equal(0.95, picked[0].Score, 9);
    }

    private static (double, string) Round((double Score, string Reason) x) => (Math.Round(x.Score, 9), x.Reason);
}
