namespace Pipeline.Cli;

/// <summary>
/// Console output that degrades: colours and a redrawn progress line on a terminal; plain lines, no escape
/// codes, when the output is redirected, when <c>NO_COLOR</c> is set, or in <c>--json</c> mode (then progress
/// goes nowhere and stdout carries only JSON).
/// </summary>
internal sealed class Terminal(TextWriter output, TextWriter error, bool json)
{
    private readonly bool fancy = !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private DateTime lastProgress = DateTime.MinValue;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public bool Json { get; } = json;

    /// <summary>A line of human output (nothing in --json mode).</summary>
    public Task LineAsync(string text = "") => Json ? Task.CompletedTask : Output.WriteLineAsync(text);

    public Task GoodAsync(string text) => LineAsync(Paint(text, "32"));

    public Task BadAsync(string text) => LineAsync(Paint(text, "31"));

    public Task NoteAsync(string text) => LineAsync(Paint(text, "2"));

    /// <summary>Progress of long work: a redrawn bar on a terminal, a line every few seconds otherwise.</summary>
    public void Progress(string what, int done, int total)
    {
        if (Json)
        {
            return;
        }

        if (fancy)
        {
            var width = 30;
            var filled = total == 0 ? width : (int)Math.Round(width * (double)done / total);
            Output.Write($"\r{what} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
            if (done >= total)
            {
                Output.WriteLine();
            }
        }
        else if (done >= total || DateTime.UtcNow - lastProgress > TimeSpan.FromSeconds(5))
        {
            lastProgress = DateTime.UtcNow;
            Output.WriteLine($"{what}: {done}/{total}");
        }
    }

    private string Paint(string text, string code) => fancy ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
