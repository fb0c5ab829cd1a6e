namespace Pipeline.Core.Findings;

/// <summary>
/// The stable finding codes. A code, once published, keeps its meaning; docs/checks.md documents each one.
/// </summary>
public static class FindingCodes
{
    /// <summary>The blob name is unsafe to carry into other containers or onto disk (<c>..</c> segments, control characters).</summary>
    public const string BlobUnsafeName = "blob.unsafe_name";

    /// <summary>The file has no bytes.</summary>
    public const string ImageEmpty = "image.empty";

    /// <summary>The file is larger than the size cap; it was not downloaded.</summary>
    public const string ImageTooLarge = "image.too_large";

    /// <summary>The bytes are not any image format the pipeline accepts.</summary>
    public const string ImageUnknownFormat = "image.unknown_format";

    /// <summary>A recognised format that policy refuses (TIFF, BigTIFF, HEIC, ...); the decoder never sees it.</summary>
    public const string ImageFormatNotAllowed = "image.format_not_allowed";

    /// <summary>The file name's extension names another format than the bytes are.</summary>
    public const string ImageExtensionMismatch = "image.extension_mismatch";

    /// <summary>The file ends before its format's end marker (JPEG EOI, PNG IEND, GIF trailer, RIFF size).</summary>
    public const string ImageTruncated = "image.truncated";

    /// <summary>The structure is broken: a bad checksum, an impossible length, a missing header.</summary>
    public const string ImageCorrupt = "image.corrupt";

    /// <summary>Bytes follow the format's end marker that are not padding.</summary>
    public const string ImageTrailingData = "image.trailing_data";

    /// <summary>Width or height exceeds the per-axis cap.</summary>
    public const string ImageDimensionTooLarge = "image.dimension_too_large";

    /// <summary>Width × height (× frames where all frames decode) exceeds the pixel cap: a decompression bomb.</summary>
    public const string ImageTooManyPixels = "image.too_many_pixels";

    /// <summary>More frames than the frame cap.</summary>
    public const string ImageTooManyFrames = "image.too_many_frames";

    /// <summary>An animation: only the first frame is checked and used.</summary>
    public const string ImageAnimated = "image.animated";

    /// <summary>Decoding took longer than the deadline.</summary>
    public const string ImageDecodeTimeout = "image.decode_timeout";

    /// <summary>Decoding asked for more memory than one buffer may take.</summary>
    public const string ImageAllocationLimit = "image.allocation_limit";

    /// <summary>The decoder refused the bytes.</summary>
    public const string ImageDecodeFailed = "image.decode_failed";

    /// <summary>The EXIF orientation says the stored pixels must be rotated or flipped for display.</summary>
    public const string ImageExifOrientation = "image.exif_orientation";

    /// <summary>Very dark: the 99th percentile of brightness is below the threshold.</summary>
    public const string ImageDark = "image.dark";

    /// <summary>Washed out: the 5th percentile of brightness is above the threshold.</summary>
    public const string ImageLight = "image.light";

    /// <summary>Little information: the entropy of the brightness histogram is below the threshold.</summary>
    public const string ImageLowInformation = "image.low_information";

    /// <summary>Blurry: the sharpness score (1 − blur effect) is below the threshold.</summary>
    public const string ImageBlurry = "image.blurry";

    /// <summary>Grayscale content (stored as grayscale, or RGB with equal channels).</summary>
    public const string ImageGrayscale = "image.grayscale";

    /// <summary>min(width/height, height/width) is below the threshold.</summary>
    public const string ImageOddAspectRatio = "image.odd_aspect_ratio";

    /// <summary>sqrt(width × height) lies outside Q1 − 3·IQR … Q3 + 3·IQR of its dataset's running statistics.</summary>
    public const string ImageOddSize = "image.odd_size";

    /// <summary>EXIF carries GPS location tags.</summary>
    public const string ImageLocationMetadata = "image.location_metadata";

    /// <summary>Another image's perceptual hash is within the near-duplicate distance; the finding names it.</summary>
    public const string ImageNearDuplicate = "image.near_duplicate";

    /// <summary>The same bytes were ingested before under another name.</summary>
    public const string ImageExactDuplicate = "image.exact_duplicate";

    /// <summary>The annotation file cannot be read: not JSON/XML, truncated, or not the shape its format has.</summary>
    public const string LabelFileInvalid = "label.file_invalid";

    /// <summary>The annotation file is larger than the size cap; it was not read.</summary>
    public const string LabelFileTooLarge = "label.file_too_large";

    /// <summary>A value of the wrong type or form: a coordinate given as text, a negative id, a YOLO line without five numbers.</summary>
    public const string LabelValueInvalid = "label.value_invalid";

    /// <summary>An annotation uses a label the taxonomy does not define (an unknown category id or class index).</summary>
    public const string LabelUndefined = "label.undefined";

    /// <summary>A label is defined but no annotation uses it.</summary>
    public const string LabelUnused = "label.unused";

    /// <summary>The file defines no labels at all (no categories, an empty class list).</summary>
    public const string LabelMissingCategories = "label.missing_categories";

    /// <summary>An attribute the format defines has a value outside its domain (VOC difficult/truncated/occluded, COCO iscrowd not 0 or 1).</summary>
    public const string LabelAttributeInvalid = "label.attribute_invalid";

    /// <summary>A coordinate is NaN or infinite.</summary>
    public const string LabelCoordinateNotFinite = "label.coordinate_not_finite";

    /// <summary>A box has a negative width or height.</summary>
    public const string LabelNegativeSize = "label.negative_size";

    /// <summary>A box has zero width or height.</summary>
    public const string LabelZeroArea = "label.zero_area";

    /// <summary>A box reaches outside its image by more than the tolerance (or a YOLO value lies outside 0–1).</summary>
    public const string LabelBoxOutOfBounds = "label.box_out_of_bounds";

    /// <summary>The image size an annotation file records differs from the real image's.</summary>
    public const string LabelImageSizeMismatch = "label.image_size_mismatch";

    /// <summary>Two boxes of the same label on one image overlap almost entirely (IoU at or above the threshold).</summary>
    public const string LabelDuplicateBox = "label.duplicate_box";

    /// <summary>The same box carries different labels.</summary>
    public const string LabelConflictingClasses = "label.conflicting_classes";

    /// <summary>An image has no annotations.</summary>
    public const string LabelImageWithoutAnnotations = "label.image_without_annotations";

    /// <summary>Annotations refer to an image that does not exist (in the file, or among the ingested images).</summary>
    public const string LabelAnnotationWithoutImage = "label.annotation_without_image";

    /// <summary>A label has at most the minimum number of samples (Datumaro: 1).</summary>
    public const string LabelFewSamples = "label.few_samples";

    /// <summary>The most common label has at least R times the samples of the rarest (Datumaro: 50).</summary>
    public const string LabelImbalance = "label.imbalance";

    /// <summary>One label holds at least this share of all boxes (0.8).</summary>
    public const string LabelDominance = "label.dominance";

    /// <summary>A box's size or aspect ratio lies more than k standard deviations from its label's mean (Datumaro: 5).</summary>
    public const string LabelFarFromMean = "label.far_from_mean";

    /// <summary>Ingest failed on every retry the platform made; the file was not judged.</summary>
    public const string IngestPoison = "ingest.poison";

    /// <summary>Warning: stray bytes between a JPEG's segments, skipped (as libjpeg skips them) so the picture is read as it is.</summary>
    public const string ImageStrayBytes = "image.stray_bytes";

    /// <summary>Info: a file a dataset layout writes that holds no boxes (split list, config, label map, mask, README); recognised and left alone.</summary>
    public const string FileLayout = "file.layout";

    /// <summary>A dataset's split list (VOC ImageSets, a YOLO list file) names images the dataset does not hold.</summary>
    public const string SplitImageMissing = "split.image_missing";

    /// <summary>Warning: the dataset's split lists put one image in two splits; the first (train, val, test) is kept.</summary>
    public const string SplitConflict = "split.conflict";

    /// <summary>A segmentation mask that cannot be read as one: not a PNG, damaged, over the caps.</summary>
    public const string MaskUnreadable = "mask.unreadable";

    /// <summary>A segmentation mask holds a value its key does not define: a class colour past the label map (or VOC's 21 classes), an instance past the image's objects.</summary>
    public const string MaskUnknownId = "mask.unknown_id";

    /// <summary>A segmentation mask's size differs from its image's.</summary>
    public const string MaskSizeMismatch = "mask.size_mismatch";

    /// <summary>A COCO panoptic PNG's segment ids differ from its annotation's <c>segments_info</c>.</summary>
    public const string MaskSegmentsMismatch = "mask.segments_mismatch";

    /// <summary>Info: neither an image nor an annotation file nor part of a known layout; skipped.</summary>
    public const string FileUnrecognised = "file.unrecognised";

    /// <summary>Health, freshness: the newest accepted image is older than the dataset's expected cadence.</summary>
    public const string HealthStale = "health.freshness.stale";

    /// <summary>Health, freshness: the newest accepted annotation file is older than the expected cadence.</summary>
    public const string HealthLabelsStale = "health.freshness.labels_stale";

    /// <summary>Health, volume: the last window holds far fewer images or bytes than the baseline.</summary>
    public const string HealthVolumeDrop = "health.volume.drop";

    /// <summary>Health, volume: the last window holds far more images or bytes than the baseline.</summary>
    public const string HealthVolumeSpike = "health.volume.spike";

    /// <summary>Health, distribution: a batch's class counts drifted from the current production version.</summary>
    public const string HealthClassDrift = "health.drift.classes";

    /// <summary>Health, distribution: a batch's quality-score histogram drifted from the current production version.</summary>
    public const string HealthQualityDrift = "health.drift.quality";

    /// <summary>Health, schema: a batch brings an image format, image mode, annotation format or class production does not have.</summary>
    public const string HealthSchemaChange = "health.schema.changed";

    /// <summary>Health, lineage: accepted images have waited for promotion longer than the threshold.</summary>
    public const string HealthPromotionLag = "health.lineage.promotion_lag";
}
