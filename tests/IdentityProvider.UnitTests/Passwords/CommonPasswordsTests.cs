using IdentityProvider.Passwords;

namespace IdentityProvider.UnitTests.Passwords;

/// <summary>The shipped global list: real data, loaded from the assembly, and the check's verdicts with it.</summary>
public sealed class CommonPasswordsTests
{
    [Fact]
    public void GlobalList_HoldsTensOfThousandsOfPasswords_MostCommonFirst()
    {
        var raw = CommonPasswords.ReadRaw().ToList();

        Assert.True(raw.Count > 40_000, $"only {raw.Count} entries");
        Assert.Equal(["123456", "password"], raw.Take(2));
        Assert.True(CommonPasswords.Index.Count > 30_000, $"only {CommonPasswords.Index.Count} terms indexed");
    }

    [Theory]
    [InlineData("P@ssw0rd2024!")]
    [InlineData("Tr0ub4dor&3")]
    [InlineData("qwerty123456")]
    [InlineData("iloveyou!!")]
    [InlineData("Summer2024")]
    [InlineData("letmein-letmein")]
    public void CommonPasswords_AreRejected(string password) =>
        Assert.False(Evaluate(password).Accepted, $"score {Evaluate(password).Score}: {string.Join(", ", Evaluate(password).GlobalTermsFound)}");

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("Rainy-Harbour-Lantern-42")]
    [InlineData("kX9#mQ2vL7pR")]
    [InlineData("my-cat-eats-blue-socks")]
    public void UncommonPasswords_AreAccepted(string password) =>
        Assert.True(Evaluate(password).Accepted, $"score {Evaluate(password).Score}: {string.Join(", ", Evaluate(password).GlobalTermsFound)}");

    [Fact]
    public void Variants_OfListedTerms_AreCollapsedIntoTheirBase()
    {
        // "dragon1" normalises to "dragonl"; with "dragon" listed it is not a term of its own,
        // yet fuzzy matching still finds it.
        var index = BannedTermIndex.Build(["dragon", "dragon1", "monkey"], fuzzyMinimumLength: 5, collapseVariants: true);

        Assert.Equal(2, index.Count);
        Assert.Equal(["dragon"], BannedPasswordChecker.Evaluate("dragon1", [], index, BannedTermIndex.Empty).GlobalTermsFound);
    }

    private static BannedPasswordResult Evaluate(string password) =>
        BannedPasswordChecker.Evaluate(password, [], CommonPasswords.Index, BannedTermIndex.Empty);
}
