using Pipeline.Core.Findings;
using Pipeline.Core.Ingest;

namespace Pipeline.Core.Tests;

public sealed class BlobNamesTests
{
    [Theory]
    [InlineData("batch 1/my photo.jpg")]
    [InlineData("партия/фото-😀.jpg")]
    [InlineData("b/x..y.jpg")]
    public void Spaces_unicode_and_dots_inside_a_segment_are_safe(string name)
    {
        Assert.Null(BlobNames.Check(name));
        Assert.Equal(name, BlobNames.QuarantineNameFor(name));
    }

    [Theory]
    [InlineData("batch/../other/x.jpg")]
    [InlineData("../x.jpg")]
    [InlineData("batch/./x.jpg")]
    [InlineData("batch//x.jpg")]
    [InlineData("batch\\..\\x.jpg")]
    [InlineData("batch/x\u0000.jpg")]
    public void Traversal_and_control_characters_are_unsafe(string name)
    {
        Assert.Equal(FindingCodes.BlobUnsafeName, BlobNames.Check(name)!.Code);
        var quarantined = BlobNames.QuarantineNameFor(name);
        Assert.Null(BlobNames.Check(quarantined));
        Assert.DoesNotContain("..", quarantined.Split('/'));
    }

    [Fact]
    public void A_1000_character_name_is_safe_and_its_quarantine_name_leaves_room_for_reasons()
    {
        var name = "long/" + new string('a', 991) + ".jpg";
        Assert.Equal(1000, name.Length);
        Assert.Null(BlobNames.Check(name));

        var quarantined = BlobNames.QuarantineNameFor(name);
        Assert.True(BlobNames.ReasonsNameFor(quarantined).Length <= BlobNames.MaxLength);
        Assert.StartsWith("long/", quarantined, StringComparison.Ordinal);
        Assert.EndsWith(".jpg", quarantined, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b1/x.jpg", "b1")]
    [InlineData("x.jpg", BlobNames.Unbatched)]
    [InlineData("b1/sub/x.jpg", "b1")]
    public void The_batch_is_the_first_segment(string name, string batch) => Assert.Equal(batch, BlobNames.BatchOf(name));

    [Theory]
    [InlineData("t1/../../x.jpg")]
    [InlineData("t1/./x.jpg")]
    [InlineData("t1\\x.jpg")]
    public void An_unsafe_name_belongs_to_no_real_batch_and_its_quarantine_copy_lies_apart(string name)
    {
        Assert.Equal(BlobNames.UnsafeNames, BlobNames.BatchOf(name));
        Assert.NotNull(BlobNames.BatchProblem(BlobNames.UnsafeNames)); // no upload can name that batch
        Assert.StartsWith("unsafe-names/", BlobNames.QuarantineNameFor(name), StringComparison.Ordinal);
    }

    [Fact]
    public void A_safe_name_whose_first_segment_is_too_long_for_a_batch_is_quarantined_as_unbatched_not_as_unsafe()
    {
        // 1,020 characters: safe, but too long to keep its own name beside a reasons file.
        var name = new string('f', 250) + "/" + new string('y', 765) + ".jpg";
        Assert.Null(BlobNames.Check(name));
        Assert.StartsWith(BlobNames.Unbatched + "/", BlobNames.QuarantineNameFor(name), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b1", true)]
    [InlineData("batch 1", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("b\n", false)]
    [InlineData("b\\c", false)]
    public void Batch_names_are_one_safe_segment(string batch, bool valid) => Assert.Equal(valid, BlobNames.BatchProblem(batch) is null);

    [Theory]
    [InlineData("cats", true)]
    [InlineData("par\n", false)]
    [InlineData("cats\n", false)]
    [InlineData("zz/../d7", false)]
    [InlineData("Cats", false)]
    [InlineData("-cats", false)]
    public void Dataset_names_are_anchored_at_the_true_end(string dataset, bool valid)
    {
        Assert.Equal(valid, DatasetNames.IsValid(dataset));
        Assert.Equal(valid, DatasetNames.Problem(dataset) is null);
    }
}
