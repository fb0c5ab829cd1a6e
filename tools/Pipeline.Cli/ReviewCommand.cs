using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Reviews;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline review list|waive|fix|unwaive</c>: a reviewer's decisions on a dataset's findings. A waiver (not an
/// error, with a reason and an end) takes the findings it covers out of the gate's count until it ends; a fix records
/// that the next upload corrects it. Every decision is held to the API's rules before any request.
/// </summary>
internal static class ReviewCommand
{
    public static Command Create(TextWriter output, TextWriter error) =>
        new("review", "Decide on findings: waive them (not an error, until a date) or mark them fixed; list and withdraw decisions.")
        {
            List(output, error),
            Decide(output, error, ReviewDecisions.Waived),
            Decide(output, error, ReviewDecisions.Fixed),
            Unwaive(output, error),
        };

    private static Command List(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var command = new Command("list", "The dataset's decisions, each with its state (active, expired or fixed).") { dataset };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var list = await api.GetAsync($"datasets/{Uri.EscapeDataString(parsed.GetValue(dataset)!)}/reviews", ct);
            await ApiCommands.PrintAsync(terminal, list, () =>
            {
                var rows = list.GetProperty("reviews").EnumerateArray().Select(Describe).ToList();
                return rows.Count == 0 ? $"'{parsed.GetValue(dataset)}' has no review decisions." : string.Join(Environment.NewLine, rows);
            });
            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>The target options shared by waive, fix and unwaive: a code, and one of an image, a batch or the whole dataset.</summary>
    private sealed class Target
    {
        public Option<string> Code { get; } = new("--code") { Description = "The finding code (image.blurry, label.box_out_of_bounds, model.missing) or a family (label.*).", Required = true };

        public Option<string> Image { get; } = new("--image") { Description = "One image: its file name in the dataset (as reports show it) or its SHA-256." };

        public Option<string> Batch { get; } = ApiCommands.BatchOption("One batch: its images' findings and its label QA findings.");

        public Option<bool> WholeDataset { get; } = new("--whole-dataset") { Description = "Every image and batch of the dataset." };

        public void AddTo(Command command)
        {
            command.Options.Add(Code);
            command.Options.Add(Image);
            command.Options.Add(Batch);
            command.Options.Add(WholeDataset);
            command.Validators.Add(result =>
            {
                var given = (result.GetResult(Image) is null ? 0 : 1) + (result.GetResult(Batch) is null ? 0 : 1) + (result.GetValue(WholeDataset) ? 1 : 0);
                if (given != 1)
                {
                    result.AddError("Give one of --image, --batch or --whole-dataset.");
                }
            });
        }

        /// <summary>The scope and subject the options give (read through <paramref name="text"/> and <paramref name="flag"/>: a parse result's or a validator's values).</summary>
        public (string Scope, string? Subject) Of(Func<Option<string>, string?> text, Func<Option<bool>, bool> flag) =>
            flag(WholeDataset) ? (ReviewScopes.Dataset, null)
            : text(Batch) is { } batch ? (ReviewScopes.Batch, batch)
            : (ReviewScopes.Image, text(Image));
    }

    private static Command Decide(TextWriter output, TextWriter error, string decision)
    {
        var waive = decision == ReviewDecisions.Waived;
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var target = new Target();
        var reason = new Option<string>("--reason") { Description = "Why, in a sentence (kept with the decision, shown in reports and lineage).", Required = true };
        var until = new Option<string>("--until") { Description = "When the waiver ends: a date (yyyy-MM-dd, midnight UTC) or a time (ISO 8601); at most a year ahead.", Required = waive };
        var by = new Option<string>("--as") { Description = "Your name, recorded with the decision.", Required = true };
        var command = new Command(
            waive ? "waive" : "fix",
            waive ? "Waive findings: not an error; the gate does not count them until --until." : "Record that the next upload corrects a finding (it still counts until it is gone).")
        {
            dataset, reason, by,
        };
        target.AddTo(command);
        if (waive)
        {
            command.Options.Add(until);
        }

        ReviewRequest Request(Func<Option<string>, string?> text, Func<Option<bool>, bool> flag)
        {
            var (scope, subject) = target.Of(text, flag);
            return new ReviewRequest(text(target.Code), scope, subject, decision, text(reason), ParseTime(text(until)), text(by));
        }

        // The API's own rules, before any request: exit 2 with each problem, named by its option.
        command.Validators.Add(result =>
        {
            if (result.GetValue(until) is { } text && ParseTime(text) is null)
            {
                result.AddError($"--until: '{text}' is not a date (yyyy-MM-dd) or an ISO 8601 time.");
                return;
            }

            var (_, problems) = ReviewRules.Validate(result.GetValue(dataset) ?? "x", Request(o => result.GetValue(o), o => result.GetValue(o)), DateTimeOffset.UtcNow);
            foreach (var problem in problems)
            {
                result.AddError(OptionNamed(problem));
            }
        });
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var answer = await api.PutAsync($"datasets/{Uri.EscapeDataString(parsed.GetValue(dataset)!)}/reviews", Request(o => parsed.GetValue(o), o => parsed.GetValue(o)), ct);
            await ApiCommands.PrintAsync(terminal, answer, () => $"Recorded: {Describe(answer)}");
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Unwaive(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var target = new Target();
        var command = new Command("unwaive", "Withdraw the decision on a target (its findings count again at the next gate).") { dataset };
        target.AddTo(command);
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var (scope, subject) = target.Of(o => parsed.GetValue(o), o => parsed.GetValue(o));
            var id = ReviewRules.IdOf(parsed.GetValue(target.Code)!, scope, subject ?? string.Empty);
            var answer = await api.DeleteAsync($"datasets/{Uri.EscapeDataString(parsed.GetValue(dataset)!)}/reviews/{id}", ct);
            await ApiCommands.PrintAsync(terminal, answer, () => $"Withdrew review {id} ({parsed.GetValue(target.Code)} on {(subject is null ? "the dataset" : $"{scope} {subject}")}).");
            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>A rule's problem as the CLI's options name its field (the API names body fields).</summary>
    private static string OptionNamed(string problem)
    {
        var field = problem.Split(' ', 2)[0].TrimEnd(':');
        var option = field switch { "code" => "--code", "subject" => "--image/--batch", "reason" => "--reason", "until" => "--until", "by" => "--as", _ => null };
        return option is null ? problem : $"{option}: {problem}";
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        text is null ? null
        : DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var day) ? day
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time
        : null;

    private static string Describe(JsonElement r)
    {
        var subject = r.GetProperty("subject").GetString();
        var until = r.TryGetProperty("until", out var u) && u.ValueKind == JsonValueKind.String ? $" until {u.GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm}" : string.Empty;
        return $"{r.GetProperty("id").GetString()}  {r.GetProperty("state").GetString(),-7}  {r.GetProperty("code").GetString()} on {(string.IsNullOrEmpty(subject) ? "the dataset" : $"{r.GetProperty("scope").GetString()} {subject}")}"
            + $"{until}, by {r.GetProperty("by").GetString()}: {r.GetProperty("reason").GetString()}";
    }
}
