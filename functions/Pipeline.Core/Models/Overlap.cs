using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>Intersection over union of predictions and labels (boxes as x, y, width, height).</summary>
public static class Overlap
{
    /// <summary>A prediction against a label; against a crowd label (<paramref name="crowd"/>), the intersection over the prediction's own area, as COCO has it.</summary>
    public static double Iou(Detection d, LabelBox l, bool crowd = false) => Iou(d.X, d.Y, d.Width, d.Height, l.X, l.Y, l.Width, l.Height, crowd);

    /// <summary>Two predictions.</summary>
    public static double Iou(Detection a, Detection b) => Iou(a.X, a.Y, a.Width, a.Height, b.X, b.Y, b.Width, b.Height, false);

    /// <summary>The one IoU of the project (label checks, COCO evaluation, label issues): boxes as left, top, width, height; against a crowd box (<paramref name="crowd"/>), over the first box's own area.</summary>
    public static double Iou(double ax, double ay, double aw, double ah, double bx, double by, double bw, double bh, bool crowd)
    {
        var w = Math.Min(ax + aw, bx + bw) - Math.Max(ax, bx);
        var h = Math.Min(ay + ah, by + bh) - Math.Max(ay, by);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var intersection = w * h;
        var union = crowd ? aw * ah : (aw * ah) + (bw * bh) - intersection;
        return union > 0 ? intersection / union : 0;
    }
}
