using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;

namespace Pipeline.Cli;

/// <summary>
/// <c>validate</c>'s mask step: each segmentation mask of the folder is read (guarded, as a PNG) and checked against
/// its image's size and what the annotations say it holds (<see cref="SegmentationMasks"/>); each CVAT
/// <c>labelmap.txt</c> is parsed, and its colours are the class key of the masks beneath its folder.
/// </summary>
internal static class ValidateMasks
{
    /// <summary>Replaces the records of masks and label maps in <paramref name="reports"/> with their checked ones.</summary>
    public static async Task ApplyAsync(
        ImageGuard guard, List<FileReport> reports, IReadOnlyList<(string FullPath, string RelativePath, FileKind Kind)> others, MaskKey key, CancellationToken cancellationToken)
    {
        var maps = new List<(string Folder, LabelMap Map)>();
        foreach (var (full, relative, _) in others.Where(o => Path.GetFileName(o.RelativePath).Equals("labelmap.txt", StringComparison.OrdinalIgnoreCase)))
        {
            if (new FileInfo(full).Length > new LabelQaOptions().MaxFileBytes)
            {
                continue; // too large to be a label map; it stays recognised and unread
            }

            var map = LabelMap.Parse(await File.ReadAllTextAsync(full, cancellationToken), relative);
            maps.Add((FolderOf(relative), map));
            Replace(reports, relative, r => r with { Findings = [.. r.Findings, .. map.Findings] });
        }

        var images = reports.Where(r => r is { Kind: "image", Status: "accepted", Width: not null, Height: not null })
            .ToLookup(r => MaskKey.Stem(r.Path), StringComparer.Ordinal);
        foreach (var (full, relative, kind) in others.Where(o => o.Kind.Kind == "segmentation mask"))
        {
            var read = new FileInfo(full).Length > guard.Options.MaxBytes
                ? new MaskRead(null, Finding.Error(FindingCodes.MaskUnreadable, $"The mask is over the {guard.Options.MaxBytes:N0}-byte limit."))
                : await guard.ReadMaskAsync(await File.ReadAllBytesAsync(full, cancellationToken), cancellationToken);
            if (read.Pixels is not { } pixels)
            {
                Replace(reports, relative, r => r with { Findings = [.. r.Findings, read.Problem! with { Subject = relative }] });
                continue;
            }

            // The image of the same name nearest the mask (a devkit's JPEGImages/ beside its SegmentationClass/).
            var image = images[MaskKey.Stem(relative)].MaxBy(i => Shared(i.Path, relative));
            var map = maps.Where(m => relative.StartsWith(m.Folder, StringComparison.Ordinal)).OrderBy(m => m.Folder.Length).Select(m => (LabelMap?)m.Map).LastOrDefault();
            var findings = SegmentationMasks.Check(relative, pixels, key, map, image is null ? null : (image.Width!.Value, image.Height!.Value));
            Replace(reports, relative, r => r with { Width = pixels.Width, Height = pixels.Height, Findings = [.. r.Findings, .. findings] });
        }
    }

    private static void Replace(List<FileReport> reports, string path, Func<FileReport, FileReport> change)
    {
        var at = reports.FindIndex(r => r.Path == path);
        if (at >= 0)
        {
            var changed = change(reports[at]);
            reports[at] = changed with { Status = changed.Findings.Any(f => f.Severity == Severity.Error) ? "rejected" : changed.Status };
        }
    }

    private static string FolderOf(string relative) => relative.LastIndexOf('/') is var slash and >= 0 ? relative[..(slash + 1)] : string.Empty;

    private static int Shared(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }
}
