namespace Pipeline.Cli.Tests;

/// <summary>Usage errors are caught before anything is called, with exit code 2 and what to do.</summary>
public sealed class CliUsageTests
{
    private static async Task<(int Exit, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        return (await PipelineCli.RunAsync(args, output, error), error.ToString());
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
}
