using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline evaluate [PHOTOS]</c>: builds an evaluation set from photographs with known transforms and
/// prints precision and recall of every image check at its default threshold, and of near-duplicate
/// matching by perceptual-hash distance. The figures in docs/checks.md come from this command.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var photos = new Argument<string>("photos") { Description = "A folder of photographs (default: samples/images/good).", DefaultValueFactory = _ => Path.Combine("samples", "images", "good") };
        var command = new Command("evaluate", "Measure precision and recall of the image checks on generated transforms of real photographs.") { photos };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var folder = parsed.GetValue(photos)!;
            var files = Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList() : [];
            if (files.Count < 2)
            {
                await error.WriteLineAsync($"Need a folder with at least two photographs: {folder}");
                return PipelineCli.UsageError;
            }

            using var guard = new ImageGuard(Options.Create(new ImageGuardOptions()), TimeProvider.System);
            var evaluation = new Evaluation(guard, cancellationToken);
            await evaluation.RunAsync(files, output);
            return PipelineCli.Accepted;
        });
        return command;
    }

    private sealed class Evaluation(ImageGuard guard, CancellationToken cancellationToken)
    {
        private static readonly JpegEncoder Jpeg50 = new() { Quality = 50 };

        public async Task RunAsync(IReadOnlyList<string> files, TextWriter output)
        {
            var photos = files.Select(f => (Name: Path.GetFileNameWithoutExtension(f), Image: Image.Load<Rgb24>(f))).ToList();
            try
            {
                await output.WriteLineAsync($"Evaluation set: {photos.Count} photographs ({string.Join(", ", photos.Select(p => p.Name))}) and transforms of them.");
                await output.WriteLineAsync();
                await output.WriteLineAsync("| check | positives | negatives | precision | recall |");
                await output.WriteLineAsync("|---|---|---|---|---|");
                await CheckAsync(output, FindingCodes.ImageBlurry, photos,
                    positive: p => [p.Clone(c => c.GaussianBlur(Longest(p) * 0.01f)), p.Clone(c => c.GaussianBlur(Longest(p) * 0.02f))],
                    negative: p => [p.Clone(c => c.Resize(p.Width / 2, p.Height / 2)), p.Clone(c => c.Resize(p.Width * 2, p.Height * 2)), Plain(p, 37)]);
                await CheckAsync(output, FindingCodes.ImageDark, photos,
                    positive: p => [p.Clone(c => c.Brightness(0.15f)), p.Clone(c => c.Brightness(0.25f))],
                    negative: p => [p.Clone(c => c.Brightness(0.8f))]);
                await CheckAsync(output, FindingCodes.ImageLight, photos,
                    positive: p => [p.Clone(c => c.Contrast(0.2f).Brightness(3f)), p.Clone(c => c.Contrast(0.1f).Brightness(2.5f))],
                    negative: p => [p.Clone(c => c.Brightness(1.2f))]);
                await CheckAsync(output, FindingCodes.ImageGrayscale, photos,
                    positive: p => [p.Clone(c => c.Grayscale())],
                    negative: p => IsGray(p) ? [] : [p.Clone(c => c.Saturate(1.2f))], skipOriginal: IsGray);
                await CheckAsync(output, FindingCodes.ImageLowInformation, photos,
                    positive: p => [Plain(p, 11), Plain(p, 200), p.Clone(c => c.Contrast(0.01f))],
                    negative: p => [p.Clone(c => c.Contrast(0.7f))]);
                await CheckAsync(output, FindingCodes.ImageOddAspectRatio, photos,
                    positive: p => [p.Clone(c => c.Crop(new Rectangle(0, 0, p.Width, Math.Max(1, p.Width / 4))))],
                    negative: p => [p.Clone(c => c.Crop(new Rectangle(0, 0, p.Width, Math.Max(1, p.Width * 2 / 3))))]);
                await output.WriteLineAsync();
                await NearDuplicatesAsync(photos.Select(p => p.Image).ToList(), output);
            }
            finally
            {
                photos.ForEach(p => p.Image.Dispose());
            }
        }

        private static float Longest(Image image) => Math.Max(image.Width, image.Height);

        private static bool IsGray(Image<Rgb24> image)
        {
            var gray = true;
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height && gray; y += 7)
                {
                    foreach (var p in rows.GetRowSpan(y))
                    {
                        gray &= p.R == p.G && p.G == p.B;
                    }
                }
            });
            return gray;
        }

        private static Image<Rgb24> Plain(Image<Rgb24> like, byte level) => new(like.Width, like.Height, new Rgb24(level, (byte)(255 - level), (byte)(level / 2)));

        private async Task<ImageInspection> InspectAsync(Image image, bool jpeg = false)
        {
            using var stream = new MemoryStream();
            image.Save(stream, jpeg ? Jpeg50 : new PngEncoder());
            return await guard.InspectAsync(stream.ToArray(), jpeg ? "x.jpg" : "x.png", cancellationToken);
        }

        /// <summary>Originals are negatives unless <paramref name="skipOriginal"/> says they already are positives.</summary>
        private async Task CheckAsync(
            TextWriter output, string code, IReadOnlyList<(string Name, Image<Rgb24> Image)> photos,
            Func<Image<Rgb24>, Image<Rgb24>[]> positive, Func<Image<Rgb24>, Image<Rgb24>[]> negative, Func<Image<Rgb24>, bool>? skipOriginal = null)
        {
            int tp = 0, fp = 0, fn = 0, positives = 0, negatives = 0;
            foreach (var (_, photo) in photos)
            {
                var originalIsPositive = skipOriginal?.Invoke(photo) ?? false;
                var cases = positive(photo).Select(i => (Image: i, Expected: true))
                    .Concat(negative(photo).Select(i => (Image: i, Expected: false)))
                    .Append((Image: photo.Clone(), Expected: originalIsPositive));
                foreach (var (image, expected) in cases)
                {
                    using (image)
                    {
                        var found = (await InspectAsync(image)).Findings.Any(f => f.Code == code);
                        (positives, negatives) = expected ? (positives + 1, negatives) : (positives, negatives + 1);
                        tp += found && expected ? 1 : 0;
                        fp += found && !expected ? 1 : 0;
                        fn += !found && expected ? 1 : 0;
                    }
                }
            }

            await output.WriteLineAsync($"| `{code}` | {positives} | {negatives} | {Ratio(tp, tp + fp)} | {Ratio(tp, tp + fn)} |");
        }

        /// <summary>
        /// Bases: each photograph and its four quadrants (distinct pictures). Copies of each base: JPEG re-encodes at
        /// quality 50–95, resizes 50–200 %, crops of 2 and 5 %, brightness ±20 %, rotations of 1 and 2 degrees.
        /// Every copy is compared with every base: with its own base a positive pair, with any other a negative one.
        /// </summary>
        private async Task NearDuplicatesAsync(IReadOnlyList<Image<Rgb24>> photos, TextWriter output)
        {
            var bases = new List<Image<Rgb24>>();
            foreach (var photo in photos)
            {
                bases.Add(photo.Clone());
                var (w, h) = (photo.Width / 2, photo.Height / 2);
                foreach (var (x, y) in new[] { (0, 0), (w, 0), (0, h), (w, h) })
                {
                    bases.Add(photo.Clone(c => c.Crop(new Rectangle(x, y, w, h))));
                }
            }

            var transforms = new (string Name, Func<Image<Rgb24>, Image<Rgb24>> Apply, bool Jpeg)[]
            {
                ("jpeg q50", i => i.Clone(), true),
                ("jpeg q75", i => i.Clone(), true),
                ("jpeg q95", i => i.Clone(), true),
                ("resize 50%", i => i.Clone(c => c.Resize(i.Width / 2, i.Height / 2)), false),
                ("resize 200%", i => i.Clone(c => c.Resize(i.Width * 2, i.Height * 2)), false),
                ("crop 2%", i => i.Clone(c => c.Crop(Inset(i, 0.01))), false),
                ("crop 5%", i => i.Clone(c => c.Crop(Inset(i, 0.025))), false),
                ("brightness +20%", i => i.Clone(c => c.Brightness(1.2f)), false),
                ("brightness -20%", i => i.Clone(c => c.Brightness(0.8f)), false),
                ("rotate 1°", i => Rotated(i, 1), false),
                ("rotate 2°", i => Rotated(i, 2), false),
            };

            var baseHashes = new List<ulong>();
            foreach (var image in bases)
            {
                baseHashes.Add(Hash(await InspectAsync(image)));
            }

            var copies = new List<(int Base, string Transform, ulong Hash)>();
            for (var b = 0; b < bases.Count; b++)
            {
                foreach (var (name, apply, jpeg) in transforms)
                {
                    using var copy = apply(bases[b]);
                    var quality = name switch { "jpeg q50" => 50, "jpeg q75" => 75, _ => 95 };
                    using var stream = new MemoryStream();
                    if (jpeg)
                    {
                        copy.Save(stream, new JpegEncoder { Quality = quality });
                    }
                    else
                    {
                        copy.Save(stream, new PngEncoder());
                    }

                    copies.Add((b, name, Hash(await guard.InspectAsync(stream.ToArray(), jpeg ? "c.jpg" : "c.png", cancellationToken))));
                }
            }

            bases.ForEach(b => b.Dispose());
            var positivePairs = copies.Count;
            var negativePairs = copies.Count * (baseHashes.Count - 1);
            await output.WriteLineAsync($"Near duplicates: {baseHashes.Count} distinct bases (photographs and their quadrants), {transforms.Length} transforms each: {positivePairs} positive and {negativePairs} negative pairs.");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| Hamming distance ≤ | precision | recall | worst transform (recall) |");
            await output.WriteLineAsync("|---|---|---|---|");
            for (var d = 0; d <= 20; d += d < 12 ? 2 : 4)
            {
                var tp = copies.Count(c => PerceptualHash.Distance(c.Hash, baseHashes[c.Base]) <= d);
                var fp = copies.Sum(c => baseHashes.Where((_, i) => i != c.Base).Count(h => PerceptualHash.Distance(c.Hash, h) <= d));
                var worst = copies.GroupBy(c => c.Transform)
                    .Select(g => (g.Key, Recall: (double)g.Count(c => PerceptualHash.Distance(c.Hash, baseHashes[c.Base]) <= d) / g.Count()))
                    .MinBy(g => g.Recall);
                await output.WriteLineAsync($"| {d} | {Ratio(tp, tp + fp)} | {Ratio(tp, positivePairs)} | {worst.Key} ({worst.Recall.ToString("0.00", CultureInfo.InvariantCulture)}) |");
            }
        }

        /// <summary>Rotated about the centre, then cropped to the central 94 % so no filled corner remains.</summary>
        private static Image<Rgb24> Rotated(Image<Rgb24> image, float degrees)
        {
            var rotated = image.Clone(c => c.Rotate(degrees));
            var (w, h) = ((int)(image.Width * 0.94), (int)(image.Height * 0.94));
            rotated.Mutate(c => c.Crop(new Rectangle((rotated.Width - w) / 2, (rotated.Height - h) / 2, w, h)));
            return rotated;
        }

        private static Rectangle Inset(Image image, double fraction)
        {
            var (dx, dy) = ((int)(image.Width * fraction), (int)(image.Height * fraction));
            return new Rectangle(dx, dy, image.Width - (2 * dx), image.Height - (2 * dy));
        }

        private static ulong Hash(ImageInspection inspection) => Convert.ToUInt64(inspection.Quality!.PerceptualHash, 16);

        private static string Ratio(int numerator, int denominator) =>
            denominator == 0 ? "–" : ((double)numerator / denominator).ToString("0.00", CultureInfo.InvariantCulture);
    }
}
