namespace Pipeline.Core.Labels;

/// <summary>
/// Pairs the image names annotations use with real images: by path, or by file name when only one real
/// image has it (COCO files usually name images without their folder).
/// </summary>
public sealed class ImagePairing
{
    private readonly HashSet<string> names;
    private readonly Dictionary<string, string> byFileName;

    /// <param name="realNames">The real images' paths, relative to the folder or batch.</param>
    public ImagePairing(IEnumerable<string> realNames)
    {
        names = new HashSet<string>(realNames, StringComparer.Ordinal);
        byFileName = names.GroupBy(k => Path.GetFileName(k), StringComparer.Ordinal).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>The real image an annotation's file name refers to, or null.</summary>
    public string? Resolve(string fileName) =>
        names.Contains(fileName) ? fileName : byFileName.GetValueOrDefault(Path.GetFileName(fileName));
}
