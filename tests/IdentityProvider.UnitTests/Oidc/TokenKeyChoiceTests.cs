using IdentityProvider.Oidc;

namespace IdentityProvider.UnitTests.Oidc;

/// <summary>Which key of a key folder signs: every node computes it from the same publication records.</summary>
public sealed class TokenKeyChoiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lead = TimeSpan.FromDays(1);

    [Fact]
    public void TheNewestKeyPublishedForTheLeadTime_Signs()
    {
        var keys = TokenKeyRing.NewestFirst(new Dictionary<string, DateTimeOffset>
        {
            ["a"] = Start,
            ["b"] = Start.AddDays(10),
            ["c"] = Start.AddDays(20),
        });

        Assert.Equal("b", TokenKeyRing.Active(keys, Lead, Start.AddDays(20).AddHours(23)));
        Assert.Equal("c", TokenKeyRing.Active(keys, Lead, Start.AddDays(21)));
    }

    /// <summary>
    /// Within the first lead time after the first start no key is old enough: the first key keeps signing, so a key added
    /// in that window is still published for its lead time before it signs (apps' cached key sets know only the first).
    /// </summary>
    [Fact]
    public void WhenNoKeyIsOldEnough_TheKeyPublishedFirstSigns_NotTheNewcomer()
    {
        var keys = TokenKeyRing.NewestFirst(new Dictionary<string, DateTimeOffset>
        {
            ["first"] = Start,
            ["newcomer"] = Start.AddHours(2),
        });

        Assert.Equal("first", TokenKeyRing.Active(keys, Lead, Start.AddHours(3)));
        Assert.Equal("first", TokenKeyRing.Active(keys, Lead, Start.AddDays(1).AddHours(1)));
        Assert.Equal("newcomer", TokenKeyRing.Active(keys, Lead, Start.AddDays(1).AddHours(2)));
    }

    /// <summary>Every file replaced at once (a leaked key): the new key is used at once; ties are broken the same everywhere.</summary>
    [Fact]
    public void EveryKeyReplaced_TheNewKeySignsAtOnce_AndTiesAreDecidedByKeyId()
    {
        Assert.Equal("new", TokenKeyRing.Active(TokenKeyRing.NewestFirst(new Dictionary<string, DateTimeOffset> { ["new"] = Start }), Lead, Start));

        var tied = new Dictionary<string, DateTimeOffset> { ["x"] = Start, ["y"] = Start };
        var reversed = new Dictionary<string, DateTimeOffset> { ["y"] = Start, ["x"] = Start };
        Assert.Equal(TokenKeyRing.Active(TokenKeyRing.NewestFirst(tied), Lead, Start), TokenKeyRing.Active(TokenKeyRing.NewestFirst(reversed), Lead, Start));
    }
}
