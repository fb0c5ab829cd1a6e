namespace Pipeline.Cli.Tests;

/// <summary>Usage errors are caught before anything is called, with exit code 2 and what to do.</summary>
public sealed class CliUsageTests
{
    private static readonly string Samples = Path.Combine(Pipeline.Testing.RepositoryPaths.Root, "samples");

    private static async Task<(int Exit, string Error)> Run(params string[] args)
    {
        var (exit, _, error) = await Cli.RunAsync(args);
        return (exit, error);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("status", "--dataset", "cats", "--batch", "b1")]
    [InlineData("report", "--batch", "b1", "--dataset", "cats")]
    public async Task Status_and_report_need_exactly_one_of_dataset_and_batch(params string[] args)
    {
        var (exit, error) = await Run([.. args, "--api", "http://127.0.0.1:9"]);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains("Give one of --dataset or --batch.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "samples", "--dataset", "Bad_Name")]
    [InlineData("upload", "samples", "--batch", "a/b")]
    [InlineData("approve", "--dataset", "cats")]
    public async Task Bad_names_and_missing_options_are_usage_errors(params string[] args)
    {
        var (exit, error) = await Run(args);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.NotEmpty(error);
    }

    /// <summary>Regression: <c>rollback --dataset zz/../d7</c> once moved the pointer of d7 (the URL resolved the '..').</summary>
    [Theory]
    [InlineData("rollback", "--dataset", "zz/../d7", "--to", "1")]
    [InlineData("versions", "--dataset", "par\n")]
    [InlineData("diff", "--dataset", "../x", "--from", "1", "--to", "2")]
    [InlineData("status", "--batch", "..")]
    [InlineData("report", "--batch", "a/b")]
    [InlineData("health", "--dataset", "Cats")]
    public async Task Every_name_is_checked_with_the_api_rules_before_any_request(params string[] args)
    {
        // Port 9 answers nothing: a request would end in exit 4, not 2.
        var (exit, error) = await Run([.. args, "--api", "http://127.0.0.1:9"]);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Matches(new System.Text.RegularExpressions.Regex("--(dataset|batch): .* is not a (dataset|batch) name", System.Text.RegularExpressions.RegexOptions.Singleline), error);
    }

    [Theory]
    [InlineData("diff", "--dataset", "cats", "--from", "0", "--to", "2")]
    [InlineData("diff", "--dataset", "cats", "--from", "1", "--to", "-3")]
    [InlineData("rollback", "--dataset", "cats", "--to", "0")]
    [InlineData("report", "--dataset", "cats", "--version", "0")]
    [InlineData("pull", "--dataset", "cats", "--version", "-1", "--to", "out")]
    public async Task Every_version_is_checked_with_the_api_rule_before_any_request(params string[] args)
    {
        var (exit, error) = await Run([.. args, "--api", "http://127.0.0.1:9"]);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Matches(new System.Text.RegularExpressions.Regex("--(from|to|version): '-?[0-9]+' is not a version number \\(a whole number from 1\\)"), error);
    }

    [Fact]
    public async Task Run_with_a_missing_gate_file_or_an_empty_folder_is_a_usage_error_not_a_crash()
    {
        var empty = Directory.CreateTempSubdirectory("empty-").FullName;
        try
        {
            var missing = await Run("run", Samples, "--dataset", "cats", "--gate", "/missing.json", "--api", "http://127.0.0.1:9");
            var nothing = await Run("run", empty, "--dataset", "cats", "--api", "http://127.0.0.1:9");

            Assert.Equal((PipelineCli.UsageError, "No such gate file: /missing.json"), (missing.Exit, missing.Error.Trim()));
            Assert.Equal(PipelineCli.UsageError, nothing.Exit);
            Assert.Contains("No image or annotation files under", nothing.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task Run_with_a_gate_file_of_the_wrong_shape_lists_every_problem_before_starting_anything()
    {
        var gate = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(gate, """{"version": "two", "expectations": {}, "colour": "red"}""");

            var (exit, error) = await Run("run", Samples, "--dataset", "cats", "--gate", gate, "--api", "http://127.0.0.1:9");

            Assert.Equal(PipelineCli.UsageError, exit);
            Assert.Contains("3 problems", error, StringComparison.Ordinal);
            Assert.Contains("version: expected a whole number", error, StringComparison.Ordinal);
            Assert.Contains("expectations: expected a list of expectations, found an object", error, StringComparison.Ordinal);
            Assert.Contains("colour: unknown property", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(gate);
        }
    }
}
