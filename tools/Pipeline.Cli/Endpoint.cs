using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>The options every API command shares: where the API is, its key, and JSON output.</summary>
internal sealed class Endpoint
{
    public Option<string?> Api { get; } = new("--api")
    {
        Description = "The pipeline API: the local runner (default http://127.0.0.1:7071, or PIPELINE_API) or an Azure function app URL.",
    };

    public Option<string?> Key { get; } = new("--key") { Description = "The function key for an Azure deployment (or PIPELINE_API_KEY)." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text (for scripts)." };

    public void AddTo(Command command)
    {
        command.Add(Api);
        command.Add(Key);
        command.Add(Json);
    }

    public ApiClient Client(ParseResult parsed) => new(
        new Uri(parsed.GetValue(Api) ?? Environment.GetEnvironmentVariable("PIPELINE_API") ?? "http://127.0.0.1:7071"),
        parsed.GetValue(Key) ?? Environment.GetEnvironmentVariable("PIPELINE_API_KEY"));

    /// <summary>
    /// Adds these options to <paramref name="command"/> and makes <paramref name="action"/> its action, with a client
    /// for the API, a terminal for the output, and the API's refusals turned into messages and exit codes.
    /// </summary>
    public void SetAction(Command command, TextWriter output, TextWriter error, Func<ParseResult, ApiClient, Terminal, CancellationToken, Task<int>> action)
    {
        AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(Json));
            return await GuardAsync(terminal, async () =>
            {
                using var api = Client(parsed);
                return await action(parsed, api, terminal, ct);
            });
        });
    }

    /// <summary>Runs an API command, turning the API's refusals and an unreachable API into messages and exit codes.</summary>
    public static async Task<int> GuardAsync(Terminal terminal, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ApiException ex)
        {
            await terminal.Error.WriteLineAsync(ex.Message);
            return (int)ex.Status is >= 400 and < 500 ? PipelineCli.UsageError : PipelineCli.ServiceError;
        }
        catch (HttpRequestException ex)
        {
            await terminal.Error.WriteLineAsync($"The pipeline API did not answer ({ex.Message}). Start the runner (dotnet run --project functions/Pipeline.Local) or pass --api.");
            return PipelineCli.ServiceError;
        }
    }
}
