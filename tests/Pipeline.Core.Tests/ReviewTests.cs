using System.Text;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Labels;
using Pipeline.Core.Reviews;

namespace Pipeline.Core.Tests;

public sealed class ReviewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static ReviewRequest Waive(string code = "image.dark", string scope = "dataset", string? subject = null, int days = 30) =>
        new(code, scope, subject, ReviewDecisions.Waived, "night-time dataset", Now.AddDays(days), "ana");

    private static ReviewDecision Decide(ReviewRequest request, DateTimeOffset? at = null) =>
        ReviewRules.Validate("cats", request, at ?? Now).Decision ?? throw new InvalidOperationException("invalid");

    [Theory]
    [InlineData(null, "dataset", null, "waived", "r", 30, "ana", "not a finding code")]
    [InlineData("Image.Dark", "dataset", null, "waived", "r", 30, "ana", "not a finding code")]
    [InlineData("*", "dataset", null, "waived", "r", 30, "ana", "not a finding code")]
    [InlineData("image.dark", "dataset", "x.jpg", "waived", "r", 30, "ana", "subject must be empty")]
    [InlineData("image.dark", "image", null, "waived", "r", 30, "ana", "subject is required for scope 'image'")]
    [InlineData("image.dark", "batch", "../up", "waived", "r", 30, "ana", "is not a batch name")]
    [InlineData("image.dark", "shelf", null, "waived", "r", 30, "ana", "scope 'shelf' is not one of")]
    [InlineData("image.dark", "dataset", null, "ignored", "r", 30, "ana", "decision 'ignored' is not one of")]
    [InlineData("image.dark", "dataset", null, "waived", " ", 30, "ana", "reason is required")]
    [InlineData("image.dark", "dataset", null, "waived", "r", -1, "ana", "until is required for a waiver")]
    [InlineData("image.dark", "dataset", null, "waived", "r", 400, "ana", "at most 366 days")]
    [InlineData("image.dark", "dataset", null, "fixed", "r", 30, "ana", "until is for waivers")]
    [InlineData("image.dark", "dataset", null, "waived", "r", 30, "", "by is required")]
    public void A_decision_that_breaks_a_rule_is_refused_with_the_rule(string? code, string scope, string? subject, string decision, string reason, int days, string by, string expected)
    {
        var (made, problems) = ReviewRules.Validate("cats", new ReviewRequest(code, scope, subject, decision, reason, Now.AddDays(days), by), Now);

        Assert.Null(made);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_waiver_without_an_end_is_refused_and_the_same_target_keeps_its_id()
    {
        var (none, problems) = ReviewRules.Validate("cats", Waive() with { Until = null }, Now);
        var first = Decide(Waive("label.*", "batch", "b1"));
        var again = Decide(Waive("label.*", "batch", "b1", days: 90) with { Reason = "checked again" });
        var other = Decide(Waive("label.*", "batch", "b2"));

        Assert.Null(none);
        Assert.Contains(problems, p => p.Contains("until is required", StringComparison.Ordinal));
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, other.Id);
        Assert.True(ReviewRules.IsId(first.Id));
        Assert.Equal(ReviewDecisions.Fixed, Decide(new ReviewRequest("label.box_out_of_bounds", "image", "a.jpg", "fixed", "relabelled", null, "bo")).Decision);
    }

    [Fact]
    public void Waivers_cover_their_code_or_family_in_their_scope_and_only_until_they_expire()
    {
        var decisions = new[]
        {
            Decide(Waive("image.dark")),
            Decide(Waive("label.*", "batch", "b1")),
            Decide(Waive("image.blurry", "image", "cat.jpg")),
            Decide(Waive("image.small", "image", new string('a', 64))),
            Decide(new ReviewRequest("image.noisy", "dataset", null, "fixed", "reshot", null, "bo")),
        };
        var waivers = new Waivers(decisions, Now);
        var later = new Waivers(decisions, Now.AddDays(31));

        Assert.NotNull(waivers.Take("image.dark", "x.jpg", null, "b9"));
        Assert.NotNull(waivers.Take("label.box_out_of_bounds", null, null, "b1"));
        Assert.Null(waivers.Take("label.box_out_of_bounds", null, null, "b2"));
        Assert.Null(waivers.Take("labelx.thing", null, null, "b1"));
        Assert.NotNull(waivers.Take("image.blurry", "cat.jpg", null, "b1"));
        Assert.NotNull(waivers.Take("image.blurry", "night/cat.jpg", null, "b1")); // a waiver may name the file alone
        Assert.Null(waivers.Take("image.blurry", "dog.jpg", null, "b1"));
        Assert.NotNull(waivers.Take("image.small", "any.jpg", new string('a', 64), "b1"));
        Assert.Null(waivers.Take("image.noisy", "x.jpg", null, "b1")); // a fix is no waiver
        Assert.Null(later.Take("image.dark", "x.jpg", null, "b1")); // expired
        Assert.False(later.Any);
        var uses = waivers.Uses().ToDictionary(u => u.Code, u => u.Findings);
        Assert.Equal(new Dictionary<string, int> { ["image.dark"] = 1, ["label.*"] = 1, ["image.blurry"] = 2, ["image.small"] = 1 }, uses);
    }

    [Fact]
    public void The_gate_leaves_out_waived_findings_names_the_waivers_and_counts_them_again_when_they_expire()
    {
        var gate = QualityGate.Parse(Encoding.UTF8.GetBytes("""{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}]}""")).Gate!;
        var decisions = new[] { Decide(Waive("image.truncated", "image", "b1/img1.jpg")), Decide(Waive("label.*", "batch", "b1")) };

        GateResult Evaluate(DateTimeOffset at)
        {
            var seen = new GateObservations { Waivers = new Waivers(decisions, at) };
            seen.AddImage("b1/img0.jpg", [], "s0", "b1");
            seen.AddImage("b1/img1.jpg", [Finding.Error("image.truncated", "cut short")], "s1", "b1");
            seen.AddLabelReport(new LabelQaResult(
                "b1", 1, 1, 1, 0, 0, 0, [new CodeSummary("label.box_out_of_bounds", Severity.Error, 2, [])],
                new Dictionary<string, int>(), new Dictionary<string, Dictionary<string, int>>(), [], [], at), "b1");
            return GateEvaluator.Evaluate("cats", gate, "g", "s", seen, at);
        }

        var waived = Evaluate(Now);
        var expired = Evaluate(Now.AddDays(31));

        Assert.True(waived.Passed);
        Assert.Equal([("image.truncated", 1), ("label.*", 2)], waived.Waived!.Select(w => (w.Code, w.Findings)).OrderBy(w => w.Code, StringComparer.Ordinal));
        Assert.All(waived.Waived!, w => Assert.Equal(("night-time dataset", "ana"), (w.Reason, w.By)));
        Assert.False(expired.Passed);
        Assert.Equal(2, expired.Expectations[0].Unexpected); // one image, and the label findings capped at the two images
        Assert.Null(expired.Waived);
    }
}
