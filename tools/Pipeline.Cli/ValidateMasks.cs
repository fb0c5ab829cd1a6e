using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;

namespace Pipeline.Cli;

/// <summary>
/// <c>validate</c>'s mask step: each segmentation mask of the folder is read (guarded, as a PNG) and checked against
/// its image's size and what the annotations say it holds (<see cref="SegmentationMasks.CheckAll"/>); each CVAT
/// <c>labelmap.txt</c> is parsed, and its colours are the class key of the masks beneath its folder.
/// </summary>
internal static class ValidateMasks
{
    /// <summary>Replaces the records of masks and label maps in <paramref name="reports"/> with their checked ones.</summary>
    public static async Task ApplyAsync(
        ImageGuard guard, List<FileReport> reports, IReadOnlyList<(string FullPath, string RelativePath, FileKind Kind)> others, MaskKey key, CancellationToken cancellationToken)
    {
        var maps = new List<(string Path, LabelMap Map)>();
        foreach (var (full, relative, _) in others.Where(o => SegmentationMasks.IsLabelMap(o.RelativePath)))
        {
            if (new FileInfo(full).Length <= new LabelQaOptions().MaxFileBytes)
            {
                var map = LabelMap.Parse(await File.ReadAllTextAsync(full, cancellationToken), relative);
                maps.Add((relative, map));
                Add(reports, relative, map.Findings);
            }
        }

        var masks = new List<(string Path, MaskPixels Pixels)>();
        foreach (var (full, relative, _) in others.Where(o => SegmentationMasks.IsMask(o.Kind)))
        {
            var read = new FileInfo(full).Length > guard.Options.MaxBytes
                ? new MaskRead(null, Finding.Error(FindingCodes.MaskUnreadable, $"The mask is over the {guard.Options.MaxBytes:N0}-byte limit."))
                : await guard.ReadMaskAsync(await File.ReadAllBytesAsync(full, cancellationToken), cancellationToken);
            if (read.Pixels is { } pixels)
            {
                masks.Add((relative, pixels));
                var at = reports.FindIndex(r => r.Path == relative);
                reports[at] = reports[at] with { Width = pixels.Width, Height = pixels.Height };
            }
            else
            {
                Add(reports, relative, [read.Problem! with { Subject = relative }]);
            }
        }

        var images = reports.Where(r => r is { Kind: "image", Status: "accepted", Width: not null, Height: not null }).Select(r => (r.Path, r.Width!.Value, r.Height!.Value));
        foreach (var finding in SegmentationMasks.CheckAll(masks, key, maps, images))
        {
            Add(reports, finding.Subject!, [finding]);
        }
    }

    private static void Add(List<FileReport> reports, string path, IReadOnlyList<Finding> findings)
    {
        var at = reports.FindIndex(r => r.Path == path);
        if (at >= 0)
        {
            reports[at] = reports[at].WithFindings(findings);
        }
    }
}
