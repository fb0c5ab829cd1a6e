using System.Text;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Tests;

public sealed class GateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static GateParse Parse(string json) => QualityGate.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void The_example_gate_in_the_docs_folder_is_valid()
    {
        var parsed = QualityGate.Parse(File.ReadAllBytes(Path.Combine(Pipeline.Testing.RepositoryPaths.Root, "docs", "examples", "gate.json")));

        Assert.Empty(parsed.Problems);
        Assert.NotNull(parsed.Gate);
        Assert.Contains(parsed.Gate!.Expectations, e => e.Expect == ExpectationKinds.NoSplitLeakage);
    }

    [Theory]
    [InlineData("not json", "not JSON (line 1")]
    [InlineData("""{"version": 1}""", "expectations: required")]
    [InlineData("""{"version": 1, "expectations": [], "colour": "red"}""", "colour: unknown property")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_cats"}]}""", "unknown kind 'no_cats'")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_images"}]}""", "min is required")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_images", "min": 5, "mostly": 0.5}]}""", "mostly does not apply")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_findings", "mostly": 1.5}]}""", "mostly must be more than 0 and at most 1")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "max_imbalance_ratio", "max": 0.5}]}""", "max is required and must be 1 or more")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_annotator_f1", "min": 2}]}""", "an F1 is at most 1")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_findings", "code": "Image Blurry"}]}""", "is not a finding code")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_split_leakage", "code": "image.blurry"}]}""", "apply only to no_findings")]
    [InlineData("""{"version": 1, "expectations": [], "splits": {"train": 0.5, "val": 0.1, "test": 0.1}}""", "must sum to 1")]
    [InlineData("""{"version": 1, "expectations": [], "approval": {"required": "sometimes"}}""", "approval.required must be")]
    [InlineData("""{"version": 1, "expectations": [], "approval": {"timeoutHours": 0}}""", "timeoutHours must be")]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_findings", "severity": "fatal"}]}""", "expectations[0].severity: expected one of error, warning, info, found the text \"fatal\"")]
    public void A_bad_gate_file_is_refused_with_what_is_wrong(string json, string problem)
    {
        var parsed = Parse(json);

        Assert.Null(parsed.Gate);
        Assert.Contains(parsed.Problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void A_gate_file_of_the_wrong_shape_gets_every_problem_in_its_own_terms_without_type_names()
    {
        var parsed = Parse("""
            {"version": "two", "expectations": {"expect": "min_images"}, "approval": {"required": 3, "timeoutHours": "soon", "who": "alice"},
             "splits": [0.8, 0.1, 0.1]}
            """);

        Assert.Null(parsed.Gate);
        Assert.Equal(
            [
                "version: expected a whole number, found the text \"two\"",
                "expectations: expected a list of expectations, found an object",
                "approval.required: expected text, found the number 3",
                "approval.timeoutHours: expected a number, found the text \"soon\"",
                "approval.who: unknown property (known here: required, timeoutHours, whenImagesChangeBy)",
                "splits: expected an object, found a list",
            ],
            parsed.Problems);
        Assert.DoesNotContain(parsed.Problems, p => p.Contains("System.", StringComparison.Ordinal) || p.Contains("Pipeline.", StringComparison.Ordinal));

        var items = Parse("""{"version": 1, "expectations": [{"min": 3}, 7, {"expect": "min_images", "min": "three"}]}""");
        Assert.Equal(
            [
                "expectations[0].expect: required (one of no_findings, min_images, min_images_per_class, max_imbalance_ratio, min_annotator_f1, no_split_leakage)",
                "expectations[1]: expected an object, found the number 7",
                "expectations[2].min: expected a number, found the text \"three\"",
            ],
            items.Problems);
    }

    [Fact]
    public void Mostly_tolerates_the_stated_fraction_of_images_with_a_finding()
    {
        var gate = Parse("""{"version": 2, "expectations": [{"expect": "no_findings", "code": "image.blurry", "mostly": 0.98, "severity": "error"}]}""").Gate!;
        var seen = Images(total: 100, blurry: 2);
        var tooMany = Images(total: 100, blurry: 3);

        var pass = GateEvaluator.Evaluate("cats", gate, "g", "s", seen, Now);
        var fail = GateEvaluator.Evaluate("cats", gate, "g", "s", tooMany, Now);

        Assert.True(pass.Passed);
        Assert.Equal(0.98, pass.Expectations[0].Observed, 6);
        Assert.False(fail.Passed);
        Assert.Equal(3, fail.Expectations[0].Unexpected);
        Assert.Equal(["image.blurry: img0.jpg", "image.blurry: img1.jpg", "image.blurry: img2.jpg"], fail.Expectations[0].Examples);
    }

    [Fact]
    public void A_code_prefix_and_a_severity_select_findings_of_images_and_of_label_qa()
    {
        var seen = Images(total: 10, blurry: 1);
        seen.AddLabelReport(Report(("label.box_out_of_bounds", Severity.Error, 2)));
        var labels = Parse("""{"version": 1, "expectations": [{"expect": "no_findings", "code": "label.*"}]}""").Gate!;
        var errors = Parse("""{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}]}""").Gate!;
        var warnings = Parse("""{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "warning", "mostly": 0.9}]}""").Gate!;

        Assert.Equal(2, GateEvaluator.Evaluate("d", labels, "g", "s", seen, Now).Expectations[0].Unexpected);
        Assert.Equal(2, GateEvaluator.Evaluate("d", errors, "g", "s", seen, Now).Expectations[0].Unexpected);
        Assert.True(GateEvaluator.Evaluate("d", warnings, "g", "s", seen, Now).Passed);
    }

    [Fact]
    public void Class_counts_imbalance_annotators_and_leakage_are_held_to_their_bounds()
    {
        var gate = Parse("""
            {"version": 1, "expectations": [
              {"expect": "min_images", "min": 5},
              {"expect": "min_images_per_class", "min": 3},
              {"expect": "max_imbalance_ratio", "max": 4, "severity": "warning"},
              {"expect": "min_annotator_f1", "min": 0.8},
              {"expect": "no_split_leakage"}
            ]}
            """).Gate!;
        var seen = Images(total: 6, blurry: 0);
        seen.VersionImages = 6;
        seen.ImagesPerLabel["cat"] = 5;
        seen.ImagesPerLabel["dog"] = 2;
        seen.BoxesPerLabel["cat"] = 10;
        seen.BoxesPerLabel["dog"] = 2;
        seen.Annotators.Add(new AnnotatorScore("ann", 6, 10, 9, 1, 1));
        seen.Annotators.Add(new AnnotatorScore("bob", 6, 10, 5, 5, 5));
        seen.AddNearDuplicatePair("a.jpg", "train", "b.jpg", "test");
        seen.AddNearDuplicatePair("c.jpg", "val", "d.jpg", "val");

        var result = GateEvaluator.Evaluate("d", gate, "g", "s", seen, Now);

        Assert.Equal([true, false, false, false, false], result.Expectations.Select(e => e.Success));
        Assert.Equal(["dog: 2 images"], result.Expectations[1].Examples);
        Assert.Equal(5, result.Expectations[2].Observed);
        Assert.Equal(["bob: F1 0.5"], result.Expectations[3].Examples);
        Assert.Equal(["a.jpg (train) ~ b.jpg (test)"], result.Expectations[4].Examples);
        Assert.False(result.Passed);
        Assert.Equal(1, result.Warnings);
    }

    [Theory]
    [InlineData("always", 0, true)]
    [InlineData("never", 1, false)]
    [InlineData("on_warning", 0, false)]
    [InlineData("on_warning", 1, true)]
    public void Approval_is_asked_for_as_the_gate_says(string required, int failedWarnings, bool asked)
    {
        var min = failedWarnings > 0 ? 100 : 1;
        var gate = Parse($$$"""{"version": 1, "expectations": [{"expect": "min_images", "min": {{{min}}}, "severity": "warning"}], "approval": {"required": "{{{required}}}"} }""").Gate!;
        var seen = Images(total: 10, blurry: 0);
        seen.VersionImages = 10;

        var result = GateEvaluator.Evaluate("d", gate, "g", "s", seen, Now);

        Assert.True(result.Passed);
        Assert.Equal(asked, result.ApprovalRequired);
    }

    [Fact]
    public void A_large_change_in_image_count_asks_for_approval()
    {
        var gate = Parse("""{"version": 1, "expectations": [], "approval": {"whenImagesChangeBy": 0.2}}""").Gate!;
        var seen = new GateObservations { ParentImages = 100, VersionImages = 130 };

        var result = GateEvaluator.Evaluate("d", gate, "g", "s", seen, Now);

        Assert.True(result.ApprovalRequired);
        Assert.Contains("30.0", result.ApprovalReasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_gate_blocks_error_findings_and_leakage_without_asking_anyone()
    {
        var seen = Images(total: 3, blurry: 0);
        seen.AddLabelReport(Report(("label.value_invalid", Severity.Error, 1)));

        var result = GateEvaluator.Evaluate("d", QualityGate.Default, "default", string.Empty, seen, Now);

        Assert.Empty(QualityGate.Default.Problems());
        Assert.False(result.Passed);
        Assert.False(result.ApprovalRequired);
    }

    private static GateObservations Images(int total, int blurry)
    {
        var seen = new GateObservations();
        for (var i = 0; i < total; i++)
        {
            seen.AddImage($"img{i}.jpg", i < blurry ? [Finding.Warning(FindingCodes.ImageBlurry, "blurry")] : []);
        }

        return seen;
    }

    private static LabelQaResult Report(params (string Code, Severity Severity, int Count)[] codes) =>
        new("b", 1, 1, 1, 0, 0, 0,
            [.. codes.Select(c => new CodeSummary(c.Code, c.Severity, c.Count, [new LabelFinding(new Finding(c.Code, c.Severity, null, null, "m", "x.jpg"), null, null)]))],
            new Dictionary<string, int>(), new Dictionary<string, Dictionary<string, int>>(), [], [], Now);
}

public sealed class GateSchemaTests
{
    private static readonly Json.Schema.JsonSchema Schema =
        Json.Schema.JsonSchema.FromFile(Path.Combine(Pipeline.Testing.RepositoryPaths.Root, "schemas", "gate.schema.json"));

    [Theory]
    [InlineData("""{"version": 1, "expectations": []}""", true)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_findings", "code": "label.*", "mostly": 0.9}]}""", true)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_images_per_class", "min": 3, "mostly": 0.5, "severity": "warning"}], "approval": {"required": "always"}}""", true)]
    [InlineData("""{"version": 1}""", false)]
    [InlineData("""{"version": 1, "expectations": [], "colour": "red"}""", false)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_cats"}]}""", false)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_images"}]}""", false)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "min_images", "min": 5, "mostly": 0.5}]}""", false)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "max_imbalance_ratio", "max": 0.5}]}""", false)]
    [InlineData("""{"version": 1, "expectations": [{"expect": "no_split_leakage", "code": "image.blurry"}]}""", false)]
    [InlineData("""{"version": 1, "expectations": [], "approval": {"required": "sometimes"}}""", false)]
    public void The_schema_and_the_parser_accept_and_refuse_the_same_files(string json, bool valid)
    {
        var bySchema = Schema.Evaluate(System.Text.Json.JsonDocument.Parse(json).RootElement).IsValid;
        var byParser = QualityGate.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Gate is not null;

        Assert.Equal(valid, bySchema);
        Assert.Equal(valid, byParser);
    }

    [Fact]
    public void The_example_gate_meets_the_schema()
    {
        var json = File.ReadAllText(Path.Combine(Pipeline.Testing.RepositoryPaths.Root, "docs", "examples", "gate.json"));

        Assert.True(Schema.Evaluate(System.Text.Json.JsonDocument.Parse(json).RootElement).IsValid);
    }
}
