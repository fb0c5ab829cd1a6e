using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>
/// The <c>pipeline</c> command. Exit codes: 0 success (files accepted, gate passed, version published);
/// 1 a quality failure (a file rejected, the gate failed, the promotion rejected or timed out); 2 a usage error
/// or a request the API refused; 4 the API or storage failed or could not be reached.
/// </summary>
public static class PipelineCli
{
    public const int Accepted = 0;
    public const int Rejected = 1;
    public const int UsageError = 2;
    public const int ServiceError = 4;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Data quality for computer-vision datasets: validate, ingest, check labels, gate and promote versioned datasets.")
        {
            RunCommand.Run(output, error),
            ValidateCommand.Create(output, error),
            UploadCommand.Create(output, error),
            IngestCommand.Create(output, error),
            EvaluateCommand.Create(output, error),
            ModelCommand.Create(output, error),
        };
        foreach (var command in ApiCommands.Create(output, error).Concat(StackCommands.Create(output, error)))
        {
            root.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run 'pipeline --help' for usage.");
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
