using IdentityProvider.Localization;

namespace IdentityProvider.UnitTests.Localization;

/// <summary>Which language tags the server accepts, from <c>ui_locales</c>, the picker or a stored user language.</summary>
public sealed class LanguagesTests
{
    [Theory]
    [InlineData("fr", "fr")]
    [InlineData("fr-CA", "fr-CA")]
    [InlineData("DE-at", "de-AT")]
    [InlineData(" es ", "es")]
    [InlineData("en-GB", "en-GB")]
    public void ASupportedLanguage_OrARegionalFormOfIt_IsAccepted(string tag, string culture) =>
        Assert.Equal(culture, Languages.Match(tag));

    [Theory]
    [InlineData("it")]
    [InlineData("zz-ZZ")]
    [InlineData("fr-x-very-long-private-use-tag-that-goes-on")]
    [InlineData("../fr")]
    [InlineData("")]
    [InlineData(null)]
    public void AnythingElse_IsNot(string? tag) => Assert.Null(Languages.Match(tag));

    [Fact]
    public void ThePicker_NamesEachLanguageInItself() =>
        Assert.Equal(["English", "Français", "Deutsch", "Español"], Languages.Supported.Select(Languages.NativeName));
}
