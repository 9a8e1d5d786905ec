using IdentityProvider.Oidc;

namespace IdentityProvider.UnitTests.Oidc;

public sealed class StampDigestTests
{
    [Fact]
    public void Digest_MatchesItsOwnStamp_AndNotAnother()
    {
        var digest = StampDigest.Compute("stamp-A");

        Assert.True(StampDigest.Matches(digest, "stamp-A"));
        Assert.False(StampDigest.Matches(digest, "stamp-B"));
        Assert.False(StampDigest.Matches(null, "stamp-A"));
        Assert.DoesNotContain("stamp-A", digest, StringComparison.Ordinal);
    }
}
