using IdentityProvider.Passwords;

namespace IdentityProvider.UnitTests.Passwords;

/// <summary>The banned-password algorithm, with "contoso" as the organisation's term and "blank" as a global one.</summary>
public sealed class BannedPasswordCheckerTests
{
    private static readonly BannedTermIndex Global = BannedTermIndex.Build(["blank", "password", "dragon", "love"], fuzzyMinimumLength: 5);
    private static readonly BannedTermIndex Custom = BannedTermIndex.Build(["contoso"], fuzzyMinimumLength: 4);

    [Theory]
    [InlineData("C0ntos0Blank12", 4, false)]   // contoso + blank + "1" + "2"
    [InlineData("ContoS0Bl@nkf9!", 5, true)]   // contoso + blank + "f" + "9" + "i"
    [InlineData("Bl@nK", 1, false)]
    [InlineData("blank", 1, false)]
    public void WorkedExamples_ScoreAsPublished(string password, int score, bool accepted)
    {
        var result = Evaluate(password);

        Assert.Equal(score, result.Score);
        Assert.Equal(accepted, result.Accepted);
    }

    [Fact]
    public void UserNamedPoll_CannotUseTheirName()
    {
        var result = BannedPasswordChecker.Evaluate("p0LL23fb", ["Poll", "Smith", "psmith", "Contoso"], Global, Custom);

        Assert.True(result.ContainsPersonalInfo);
        Assert.False(result.Accepted);
    }

    [Theory]
    [InlineData("Al", "xalx-unique-9Q")]   // names under 4 characters are ignored
    [InlineData("Bob", "bobsled-Hq72z")]
    public void ShortNames_AreIgnored(string name, string password)
    {
        var result = BannedPasswordChecker.Evaluate(password, [name], Global, Custom);

        Assert.False(result.ContainsPersonalInfo);
        Assert.True(result.Accepted);
    }

    [Fact]
    public void OrganisationName_IsRejectedOutright_EvenInsideALongPassword() =>
        Assert.True(BannedPasswordChecker.Evaluate("we-like-N0rthwind-very-much", ["Northwind"], Global, Custom).ContainsPersonalInfo);

    [Theory]
    [InlineData("P@$$w0rd", "password")]   // @→a, $→s, 0→o
    [InlineData("Dr4g0n", "dragon")]       // 4→a, 0→o
    [InlineData("B|@nk", "blank")]         // |→l, @→a
    public void Substitutions_AreUndone_BeforeMatching(string password, string term) =>
        Assert.Contains(term, Evaluate(password).GlobalTermsFound);

    [Fact]
    public void SubstitutionTable_IsTheDocumentedOne() =>
        Assert.Equal("o l s a e a s t i l x", PasswordNormalizer.Normalize("0 1 $ @ 3 4 5 7 ! | X"));

    [Theory]
    [InlineData("blXnk-Qz8#wv")]   // substitution
    [InlineData("blannk-Qz8#w")]   // insertion
    [InlineData("blnk-Qz8#wvy")]   // deletion
    public void EachSingleEdit_StillFindsTheTerm(string password)
    {
        var result = Evaluate(password);

        Assert.Contains("blank", result.GlobalTermsFound);
    }

    [Fact]
    public void TwoEdits_AreNotAMatch() =>
        Assert.DoesNotContain("blank", Evaluate("bXXnk-Qz8#wv").GlobalTermsFound);

    [Fact]
    public void FourCharacterGlobalTerms_MatchOnlyExactly()
    {
        Assert.Contains("love", Evaluate("xlovey").GlobalTermsFound);
        Assert.DoesNotContain("love", Evaluate("xlofey").GlobalTermsFound);
    }

    [Fact]
    public void OverlappingTerms_AreScoredByTheCheapestReading()
    {
        // "contosoblank" could be read as contoso + blank (2 points); nothing scores lower.
        var result = Evaluate("contosoblank");

        Assert.Equal(2, result.Score);
        Assert.Equal(["contoso"], result.CustomTermsFound);
        Assert.Equal(["blank"], result.GlobalTermsFound);
    }

    [Fact]
    public void RepeatedTerm_CountsEachTime() =>
        Assert.Equal(3, Evaluate("blankblankblank").Score);

    [Fact]
    public void UnicodeInput_IsNormalisedAndScored()
    {
        // Full-width letters fold to ASCII (NFKC); other scripts simply count as characters.
        Assert.Contains("blank", Evaluate("ＢＬＡＮＫ-ключ").GlobalTermsFound);
        Assert.True(Evaluate("пароль-ключ-замок").Accepted);
    }

    [Fact]
    public void VeryLongInput_IsHandled()
    {
        var password = string.Concat(Enumerable.Repeat("blank-contoso-", 19))[..256];

        var result = Evaluate(password);

        Assert.True(result.Score >= 5);
        Assert.NotEmpty(result.GlobalTermsFound);
        Assert.NotEmpty(result.CustomTermsFound);
    }

    [Theory]
    [InlineData("abcd", "abcd", true)]
    [InlineData("abcd", "abxd", true)]
    [InlineData("abcd", "abd", true)]
    [InlineData("abcd", "abcde", true)]
    [InlineData("abcd", "xabcd", true)]
    [InlineData("abcd", "axxd", false)]
    [InlineData("abcd", "ab", false)]
    public void WithinOneEdit_FollowsLevenshtein(string a, string b, bool expected) =>
        Assert.Equal(expected, BannedTermIndex.WithinOneEdit(a, b));

    private static BannedPasswordResult Evaluate(string password) => BannedPasswordChecker.Evaluate(password, [], Global, Custom);
}
