using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Testing;

/// <summary>A label error put into generated labels on purpose.</summary>
/// <param name="Image">The image's file name.</param>
/// <param name="Kind">The issue a reviewer should see: <c>missing</c>, <c>spurious</c>, <c>wrong_class</c> or <c>poor_box</c> (a shifted box).</param>
/// <param name="AnnotationId">The label concerned (none for <c>missing</c>: the label was removed).</param>
/// <param name="Box">The object's true box for <c>missing</c>; the label's box otherwise.</param>
public sealed record InjectedError(string Image, string Kind, long? AnnotationId, double[] Box);

/// <summary>Generated labels with known errors and a model's predictions made from the truth behind them.</summary>
/// <param name="Labels">The labels as a team would have them: the truth with the injected errors.</param>
/// <param name="Predictions">What a model trained on such data predicts: from the truth, with misses, jitter, confusions and false alarms.</param>
/// <param name="Errors">The injected errors.</param>
public sealed record ModelWorld(LabelDocument Labels, IReadOnlyList<Detection> Predictions, IReadOnlyList<InjectedError> Errors);

/// <summary>How <see cref="ModelFixtures.Generate"/> makes its world; every rate is per true object unless named otherwise.</summary>
public sealed record ModelWorldShape
{
    /// <summary>Images (640×480).</summary>
    public int Images { get; init; } = 2_000;

    /// <summary>Objects an image, on average (3 to twice this less 3, uniformly).</summary>
    public int ObjectsPerImage { get; init; } = 8;

    /// <summary>Labels; drawn unevenly (the first ones far more often, as in real datasets).</summary>
    public int Categories { get; init; } = 20;

    /// <summary>Share of objects whose label is made wrong, split evenly over the four kinds.</summary>
    public double ErrorRate { get; init; } = 0.02;

    /// <summary>Low-confidence boxes an image (scores below 0.3, as a detector run at a low threshold writes them).</summary>
    public int ClutterPerImage { get; init; } = 6;

    /// <summary>Confident false alarms an image, on average.</summary>
    public double FalseAlarmsPerImage { get; init; } = 0.15;

    /// <summary>Seed of the one random source.</summary>
    public int Seed { get; init; } = 7;
}

/// <summary>
/// A world to measure label-issue finding in (the accuracy evaluation in docs/checks.md, and the model benchmark):
/// true objects of varied size and uneven labels on 640×480 images; labels made from them with a known share of
/// errors of each kind (a removed box, an invented box where nothing is, another label, a box shifted off its
/// object to IoU 0.15–0.45); and predictions made from the truth as a fair detector's: objects found with a rate
/// that falls with size (small 85 %, medium 95 %, large 98 %; nine in ten of the rest with a faint box), boxes jittered by 4 % of their size, 3 % given a
/// confusable label, confidences mostly 0.55–0.99 for hits, a few confident false alarms (0.5–0.95, most near 0.5), and low-confidence
/// clutter.
/// </summary>
public static class ModelFixtures
{
    /// <summary>Generates the world <paramref name="shape"/> describes, the same for the same shape.</summary>
    public static ModelWorld Generate(ModelWorldShape shape)
    {
        var random = new Random(shape.Seed);
        var labels = new LabelDocument { Format = LabelFormat.Coco };
        for (var c = 1; c <= shape.Categories; c++)
        {
            labels.Categories.Add(new LabelCategory(c, $"class{c:D2}"));
        }

        var predictions = new List<Detection>();
        var errors = new List<InjectedError>();
        long annotationId = 0;
        for (var i = 1; i <= shape.Images; i++)
        {
            var image = new LabelImage(i, $"img{i:D7}.jpg", 640, 480);
            labels.Images.Add(image);
            var objects = Enumerable.Range(0, 3 + random.Next(Math.Max(1, (2 * shape.ObjectsPerImage) - 5))).Select(_ => RandomBox(random)).ToList();
            foreach (var o in objects)
            {
                var category = Category(random, shape.Categories);
                Predict(random, i, category, o, shape.Categories, predictions);
                var roll = random.NextDouble();
                var share = shape.ErrorRate / 4;
                if (roll < share)
                {
                    errors.Add(new InjectedError(image.FileName, "missing", null, o));
                    continue; // the label was never drawn
                }

                var id = ++annotationId;
                var (box, label) = (o, category);
                if (roll < 2 * share)
                {
                    label = 1 + ((category + random.Next(shape.Categories - 1)) % shape.Categories);
                    errors.Add(new InjectedError(image.FileName, "wrong_class", id, box));
                }
                else if (roll < 3 * share)
                {
                    box = Shift(random, o);
                    errors.Add(new InjectedError(image.FileName, "poor_box", id, box));
                }

                labels.Boxes.Add(new LabelBox(id, i, label, box[0], box[1], box[2], box[3]));
                if (roll >= 3 * share && roll < shape.ErrorRate)
                {
                    // An invented box beside this object, where nothing is.
                    if (Empty(random, objects) is { } nothing)
                    {
                        var spurious = ++annotationId;
                        labels.Boxes.Add(new LabelBox(spurious, i, Category(random, shape.Categories), nothing[0], nothing[1], nothing[2], nothing[3]));
                        errors.Add(new InjectedError(image.FileName, "spurious", spurious, nothing));
                    }
                }
            }

            for (var f = Poisson(random, shape.FalseAlarmsPerImage); f > 0; f--)
            {
                var b = RandomBox(random);
                // Most false alarms are barely over the threshold; few are very sure.
                predictions.Add(new Detection(i, Category(random, shape.Categories), b[0], b[1], b[2], b[3], 0.5 + (0.45 * Math.Pow(random.NextDouble(), 2))));
            }

            for (var c = 0; c < shape.ClutterPerImage; c++)
            {
                var b = c % 2 == 0 || objects.Count == 0 ? RandomBox(random) : Jitter(random, objects[random.Next(objects.Count)], 0.25);
                predictions.Add(new Detection(i, Category(random, shape.Categories), b[0], b[1], b[2], b[3], 0.3 * random.NextDouble()));
            }
        }

        return new ModelWorld(labels, predictions, errors);
    }

    /// <summary>A detector's output for one true object: usually one confident box, sometimes none, sometimes another label.</summary>
    private static void Predict(Random random, long image, long category, double[] o, int categories, List<Detection> predictions)
    {
        var area = o[2] * o[3];
        var found = area < 32 * 32 ? 0.85 : area < 96 * 96 ? 0.95 : 0.98;
        if (random.NextDouble() >= found)
        {
            // Not found confidently: run at a low threshold, a detector still leaves a faint box on most real objects
            // (its label or a confusable one); a few objects it does not see at all.
            if (random.NextDouble() < 0.9)
            {
                var faint = Jitter(random, o, 0.1);
                var label = random.NextDouble() < 0.7 ? category : Neighbour(category, categories);
                predictions.Add(new Detection(image, label, faint[0], faint[1], faint[2], faint[3], 0.05 + (0.4 * random.NextDouble())));
            }

            return;
        }

        var predicted = random.NextDouble() < 0.03 ? Neighbour(category, categories) : category;
        var b = Jitter(random, o, 0.04);
        var score = 0.55 + (0.44 * Math.Sqrt(random.NextDouble()));
        predictions.Add(new Detection(image, predicted, b[0], b[1], b[2], b[3], score));
        if (predicted != category || random.NextDouble() < 0.3)
        {
            // The runner-up label on the same box, less confident.
            var other = predicted != category ? category : Neighbour(category, categories);
            predictions.Add(new Detection(image, other, b[0], b[1], b[2], b[3], score * (0.2 + (0.5 * random.NextDouble()))));
        }
    }

    private static long Neighbour(long category, int categories) => category == categories ? 1 : category + 1;

    /// <summary>Uneven labels: the first label about twice as common as the tenth, as in COCO's long tail.</summary>
    private static long Category(Random random, int categories) => 1 + (long)Math.Floor(categories * Math.Pow(random.NextDouble(), 1.6));

    private static double[] RandomBox(Random random)
    {
        // Sizes log-uniform between 12 and 320 pixels a side, aspect 0.5–2: small, medium and large objects.
        var side = Math.Exp(Math.Log(12) + (random.NextDouble() * (Math.Log(320) - Math.Log(12))));
        var aspect = Math.Exp((random.NextDouble() - 0.5) * Math.Log(4));
        var w = Math.Min(620, side * Math.Sqrt(aspect));
        var h = Math.Min(460, side / Math.Sqrt(aspect));
        return [Math.Round(random.NextDouble() * (640 - w), 1), Math.Round(random.NextDouble() * (480 - h), 1), Math.Round(w, 1), Math.Round(h, 1)];
    }

    private static double[] Jitter(Random random, double[] b, double scale)
    {
        double N() => Normal(random) * scale;
        var w = Math.Clamp(b[2] * (1 + N()), 2, 640);
        var h = Math.Clamp(b[3] * (1 + N()), 2, 480);
        return [Math.Clamp(b[0] + (b[2] * N()), 0, 640 - w), Math.Clamp(b[1] + (b[3] * N()), 0, 480 - h), w, h];
    }

    /// <summary>The box moved along one axis or both until its IoU with the object is between 0.15 and 0.45 (as a careless drag leaves it).</summary>
    private static double[] Shift(Random random, double[] o)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var dx = (random.NextDouble() - 0.5) * 1.4 * o[2];
            var dy = (random.NextDouble() - 0.5) * 1.4 * o[3];
            double[] b = [Math.Clamp(o[0] + dx, 0, 640 - o[2]), Math.Clamp(o[1] + dy, 0, 480 - o[3]), o[2], o[3]];
            var iou = Overlap.Iou(b[0], b[1], b[2], b[3], o[0], o[1], o[2], o[3], crowd: false);
            if (iou is >= 0.15 and <= 0.45)
            {
                return b;
            }
        }

        return [Math.Min(o[0] + (0.6 * o[2]), 640 - o[2]), o[1], o[2], o[3]];
    }

    /// <summary>A box that overlaps no object (IoU below 0.05 with each), or none after some tries on a crowded image.</summary>
    private static double[]? Empty(Random random, List<double[]> objects)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var b = RandomBox(random);
            if (objects.All(o => Overlap.Iou(b[0], b[1], b[2], b[3], o[0], o[1], o[2], o[3], crowd: false) < 0.05))
            {
                return b;
            }
        }

        return null;
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static int Poisson(Random random, double mean)
    {
        var (limit, product, k) = (Math.Exp(-mean), random.NextDouble(), 0);
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }
}
