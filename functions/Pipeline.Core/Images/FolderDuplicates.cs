using Pipeline.Core.Findings;

namespace Pipeline.Core.Images;

/// <summary>
/// Duplicates within one set of images inspected together (a folder given to <c>pipeline validate</c>): the
/// first image (in the given order) of each group is the original; every later one gets a finding naming it.
/// Exact: equal SHA-256 or equal decoded pixels. Near: perceptual hashes within the configured distance.
/// </summary>
public static class FolderDuplicates
{
    /// <summary>The extra findings per index into <paramref name="images"/>.</summary>
    /// <param name="images">Each image's path and inspection, in the order that decides which is first.</param>
    /// <param name="nearDistance">Largest Hamming distance between pHashes that counts as a near duplicate.</param>
    public static Dictionary<int, List<Finding>> Find(IReadOnlyList<(string Path, ImageInspection Inspection)> images, int nearDistance)
    {
        var findings = new Dictionary<int, List<Finding>>();
        void Add(int index, Finding finding) => (findings.TryGetValue(index, out var list) ? list : findings[index] = []).Add(finding);

        var firstBySha = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstByPixels = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashes = new List<(int Index, ulong Hash)>();
        for (var i = 0; i < images.Count; i++)
        {
            var (path, inspection) = images[i];
            if (inspection.Status != InspectionStatus.Accepted)
            {
                continue;
            }

            if (firstBySha.TryGetValue(inspection.Sha256, out var sameBytes))
            {
                Add(i, new Finding(FindingCodes.ImageExactDuplicate, Severity.Warning, null, null, $"The same bytes as '{sameBytes}'.", sameBytes));
                continue;
            }

            firstBySha[inspection.Sha256] = path;
            if (inspection.Quality is not { } quality)
            {
                continue;
            }

            if (firstByPixels.TryGetValue(quality.PixelHash, out var samePixels))
            {
                Add(i, new Finding(FindingCodes.ImageExactDuplicate, Severity.Warning, null, null, $"The same pixels as '{samePixels}' (in a different file).", samePixels));
                continue;
            }

            firstByPixels[quality.PixelHash] = path;
            var hash = Convert.ToUInt64(quality.PerceptualHash, 16);
            (int Index, int Distance)? nearest = null;
            foreach (var (index, other) in hashes)
            {
                var distance = PerceptualHash.Distance(other, hash);
                if (distance <= nearDistance && (nearest is null || distance < nearest.Value.Distance))
                {
                    nearest = (index, distance);
                }
            }

            if (nearest is { } match)
            {
                var original = images[match.Index].Path;
                Add(i, new Finding(FindingCodes.ImageNearDuplicate, Severity.Warning, match.Distance, nearDistance, $"Nearly the same picture as '{original}' ({match.Distance} of 64 hash bits differ).", original));
            }

            hashes.Add((i, hash));
        }

        return findings;
    }
}
