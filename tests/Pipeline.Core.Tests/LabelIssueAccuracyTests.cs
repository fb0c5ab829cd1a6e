using Pipeline.Core.Models;
using Pipeline.Testing;
using Xunit.Abstractions;

namespace Pipeline.Core.Tests;

/// <summary>
/// The accuracy evaluation of docs/checks.md at a smaller size: on generated labels with known errors and a fair
/// model's predictions, the ranked label issues find each kind of injected error and beat the naive greedy matcher.
/// The floors are what the evaluation measures (docs/checks.md), less a margin for the smaller world: the issue's
/// target (recall ≥ 0.9 in the first 1.5 N, precision ≥ 0.75 in the first N) holds for poor boxes and spurious
/// recall; missing boxes and wrong classes fall short where the model's own false alarms and confusions are as
/// confident as the errors, and the floors below keep that from getting worse unnoticed.
/// </summary>
public sealed class LabelIssueAccuracyTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, (double Recall, double Precision)> Floors = new()
    {
        ["missing"] = (0.75, 0.55),
        ["spurious"] = (0.9, 0.6),
        ["wrong_class"] = (0.8, 0.7),
        ["poor_box"] = (0.9, 0.9),
        ["all"] = (0.55, 0.45),
    };

    [Theory]
    [InlineData(7)]
    [InlineData(11)]
    public void Ranked_issues_find_the_injected_errors_of_each_kind_and_beat_the_naive_matcher(int seed)
    {
        var world = ModelFixtures.Generate(new ModelWorldShape { Images = 1_500, ErrorRate = 0.04, Seed = seed });
        var ours = LabelIssueAccuracy.Measure(world, LabelIssues.Find(world.Labels, world.Predictions).Issues);
        var naive = LabelIssueAccuracy.Measure(world, LabelIssueAccuracy.NaiveGreedy(world.Labels, world.Predictions));
        foreach (var (o, b) in ours.Zip(naive))
        {
            output.WriteLine($"{o.Kind,-12} N={o.Injected,4}  recall {o.Recall:0.000} (naive {b.Recall:0.000})  precision {o.Precision:0.000} (naive {b.Precision:0.000})");
        }

        Assert.All(ours, o => Assert.True(o.Injected >= 80, $"{o.Kind}: only {o.Injected} injected; the measure needs more"));
        foreach (var (o, b) in ours.Zip(naive))
        {
            var (recall, precision) = Floors[o.Kind];
            Assert.True(o.Recall >= recall, $"{o.Kind}: recall {o.Recall:0.000} < {recall}");
            Assert.True(o.Precision >= precision, $"{o.Kind}: precision {o.Precision:0.000} < {precision}");
            Assert.True(o.Recall > b.Recall && o.Precision > b.Precision, $"{o.Kind}: not better than the naive matcher ({o.Recall:0.000}/{o.Precision:0.000} against {b.Recall:0.000}/{b.Precision:0.000})");
        }
    }
}
