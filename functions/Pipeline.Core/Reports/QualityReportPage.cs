using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Reports;

/// <summary>
/// Renders a <see cref="QualityReportModel"/> as one self-contained HTML file: inline CSS, charts as inline SVG,
/// thumbnails as data URIs, no script and nothing fetched, so it opens offline, from a mail or an artifact
/// store. Every name from the data is HTML-encoded. Sections carry <c>data-testid</c> attributes for tests.
/// </summary>
public static class QualityReportPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    private const string Style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{padding:24px 32px;background:#1d2330;color:#fff}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c9cfdb}
        main{padding:16px 32px 48px;max-width:1200px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px #0001}
        h2{font-size:17px;margin:0 0 12px}.verdict{display:inline-block;padding:6px 14px;border-radius:16px;font-weight:600}
        .pass{background:#e3f5e8;color:#17632f}.fail{background:#fde8e7;color:#a2231b}.numbers{display:flex;flex-wrap:wrap;gap:12px;margin-top:12px}
        .number{background:#f1f3f6;border-radius:6px;padding:8px 12px;min-width:110px}.number b{display:block;font-size:20px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e8ec;vertical-align:top}
        th{font-weight:600;color:#4a5263}.error{color:#a2231b}.warning{color:#8a5a00}.info{color:#4a5263}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px}.card{border:1px solid #e6e8ec;border-radius:6px;padding:8px;font-size:13px}
        .card img{width:100%;height:120px;object-fit:contain;background:#f1f3f6}.noimg{height:120px;display:flex;align-items:center;justify-content:center;background:#f1f3f6;color:#4a5263;text-align:center;font-size:12px}
        .name{font-weight:600;word-break:break-all}footer{color:#4a5263;font-size:12px;padding:0 32px 24px}
        """;

    /// <summary>The page.</summary>
    public static string Render(QualityReportModel model)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>{E(model.Title)} — quality report</title><style>{Style}</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<header><h1 data-testid=\"title\">{E(model.Title)}</h1><p>Quality report of a {E(model.Kind)}, generated {model.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC</p></header><main>");

        html.Append("<section data-testid=\"verdict\"><h2>Verdict</h2>");
        html.Append(CultureInfo.InvariantCulture, $"<span class=\"verdict {(model.Passed ? "pass" : "fail")}\">{E(model.Verdict)}</span><div class=\"numbers\">");
        foreach (var (label, value) in model.Numbers)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"number\"><b>{E(value)}</b>{E(label)}</div>");
        }

        html.Append("</div></section>");
        if (model.Gate is { } gate)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section data-testid=\"gate\"><h2>Gate (version {gate.GateVersion}, {E(gate.GateFile)})</h2><table><tr><th>expectation</th><th>severity</th><th>result</th><th>observed</th><th>examples</th></tr>");
            foreach (var e in gate.Expectations)
            {
                var name = e.Expectation.Expect + (e.Expectation.Code is { } c ? $" {c}" : string.Empty) + (e.Expectation.FindingSeverity is { } s ? $" ({s.ToString().ToLowerInvariant()})" : string.Empty);
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td class=\"{Sev(e.Expectation.Severity)}\">{Sev(e.Expectation.Severity)}</td><td class=\"{(e.Success ? "info" : Sev(e.Expectation.Severity))}\">{(e.Success ? "passed" : "failed")}</td><td>{E(e.Summary)}</td><td>{E(string.Join("; ", e.Examples))}</td></tr>");
            }

            html.Append("</table>");
            if (gate.ApprovalReasons.Count > 0)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>Approval was required: {E(string.Join("; ", gate.ApprovalReasons))}.</p>");
            }

            if (gate.Waived is { Count: > 0 } waived)
            {
                html.Append("<h3>Waived</h3><table data-testid=\"waivers\"><tr><th>code</th><th>covers</th><th>findings left out</th><th>why</th><th>by</th><th>until</th></tr>");
                foreach (var w in waived)
                {
                    var covers = w.Subject.Length == 0 ? "the dataset" : $"{w.Scope} {w.Subject}";
                    html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(w.Code)}</td><td>{E(covers)}</td><td>{w.Findings:N0}</td><td>{E(w.Reason)}</td><td>{E(w.By)}</td><td>{w.Until.UtcDateTime:yyyy-MM-dd}</td></tr>");
                }

                html.Append("</table>");
            }

            html.Append("</section>");
        }

        if (model.Codes.Count > 0)
        {
            html.Append("<section data-testid=\"findings-by-code\"><h2>Findings by code</h2><table><tr><th>code</th><th>severity</th><th>count</th><th>for example</th></tr>");
            foreach (var code in model.Codes)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(code.Code)}</td><td class=\"{Sev(code.Severity)}\">{Sev(code.Severity)}</td><td>{code.Count:N0}</td><td>{E(code.Example ?? string.Empty)}</td></tr>");
            }

            html.Append("</table></section>");
        }

        if (model.FindingsPerLabel.Count > 0)
        {
            html.Append("<section data-testid=\"findings-by-label\"><h2>Label findings by class</h2><table><tr><th>class</th><th>findings</th></tr>");
            foreach (var (label, codes) in model.FindingsPerLabel.OrderByDescending(l => l.Value.Values.Sum()))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(label)}</td><td>{E(string.Join(", ", codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} × {c.Value}")))}</td></tr>");
            }

            html.Append("</table></section>");
        }

        if (model.Flagged.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section data-testid=\"flagged\"><h2>Rejected and flagged files ({model.FlaggedTotal:N0}{(model.FlaggedTotal > model.Flagged.Count ? $", first {model.Flagged.Count} shown" : string.Empty)})</h2><div class=\"grid\">");
            foreach (var image in model.Flagged)
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" data-status=\"{E(image.Status)}\">");
                html.Append(image.Thumbnail is { } uri
                    ? $"<img alt=\"{E(image.Name)}\" src=\"{uri}\">"
                    : $"<div class=\"noimg\">{(image.Status == "rejected" ? "rejected: not decoded again" : "no preview")}</div>");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"name\">{E(image.Name)}</div>");
                foreach (var finding in image.Findings.Where(f => f.Severity != Severity.Info).Take(4))
                {
                    html.Append(CultureInfo.InvariantCulture, $"<div class=\"{Sev(finding.Severity)}\">{E(finding.Code)}: {E(finding.Message)}</div>");
                }

                html.Append("</div>");
            }

            html.Append("</div></section>");
        }

        if (model.Classes.Count > 0)
        {
            html.Append("<section data-testid=\"classes\"><h2>Class distribution (boxes)</h2>");
            html.Append(Bars([.. model.Classes.OrderByDescending(c => c.Value).Select(c => new KeyValuePair<string, int>(c.Key, c.Value))], "#3b6fd8"));
            html.Append("</section>");
        }

        if (model.BoxSizes.Count > 0)
        {
            html.Append("<section data-testid=\"box-sizes\"><h2>Box sizes (√area)</h2>");
            html.Append(Bars(model.BoxSizes, "#2f9e8f"));
            html.Append("</section>");
        }

        if (model.Annotators.Count > 0)
        {
            html.Append("<section data-testid=\"annotators\"><h2>Annotators</h2><table><tr><th>annotator</th><th>images</th><th>boxes</th><th>precision</th><th>recall</th><th>F1</th></tr>");
            foreach (var a in model.Annotators.OrderBy(a => a.F1))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(a.Annotator)}</td><td>{a.Images:N0}</td><td>{a.Boxes:N0}</td><td>{a.Precision:0.000}</td><td>{a.Recall:0.000}</td><td>{a.F1:0.000}</td></tr>");
            }

            html.Append("</table></section>");
        }

        if (model.Lineage.Count > 0)
        {
            html.Append("<section data-testid=\"lineage\"><h2>Lineage</h2><table>");
            foreach (var (label, value) in model.Lineage)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(label)}</th><td>{E(value)}</td></tr>");
            }

            html.Append("</table></section>");
        }

        html.Append("</main><footer>Made by the CV DataOps pipeline. Codes are explained in docs/checks.md; gates in docs/gates.md.</footer></body></html>");
        return html.ToString();
    }

    /// <summary>A horizontal bar chart as inline SVG.</summary>
    private static string Bars(IReadOnlyList<KeyValuePair<string, int>> rows, string colour)
    {
        const int Row = 22, LabelWidth = 180, BarWidth = 520;
        var max = Math.Max(1, rows.Max(r => r.Value));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" width=\"{LabelWidth + BarWidth + 80}\" height=\"{(rows.Count * Row) + 4}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"13\">");
        for (var i = 0; i < rows.Count; i++)
        {
            var y = i * Row;
            var width = Math.Max(1, (int)Math.Round(BarWidth * (double)rows[i].Value / max));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 15}\">{E(Truncate(rows[i].Key, 26))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect data-bar=\"{E(rows[i].Key)}\" x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{width}\" height=\"{Row - 6}\" fill=\"{colour}\" rx=\"2\"></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + width + 6}\" y=\"{y + 15}\">{rows[i].Value:N0}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Sev(Severity severity) => severity.ToString().ToLowerInvariant();

    private static string E(string text) => Html.Encode(text);
}
