using System.Globalization;
using IdentityProvider.Hosting;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.Recovery;
using Microsoft.Extensions.Options;

namespace IdentityProvider.UnitTests.SelfService;

public sealed class RecoveryJourneyRulesTests
{
    [Theory]
    [InlineData("/", "/Account/Login")]
    [InlineData("/connect/authorize?client_id=a&state=b", "/Account/Login?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Da%26state%3Db")]
    [InlineData("https://app.example/signed-in", "https://app.example/signed-in")]
    public void TheDonePage_LeadsBackThroughSignIn_OrToTheAppsOwnPage(string returnUrl, string expected) =>
        Assert.Equal(expected, IdentityProvider.Account.ReturnUrls.SignInLink(returnUrl));

    [Theory]
    [InlineData(1, "MobileText", true)]
    [InlineData(2, "MobileText,MobileCall", false)]
    [InlineData(2, "MobileText,AlternateEmail", true)]
    [InlineData(1, "AuthenticatorApp", true)]
    [InlineData(2, "", false)]
    public void Gates_CountDifferentMethods_AndOneMobileOnce(int required, string passed, bool expected) =>
        Assert.Equal(expected, new RecoveryJourney { Required = required, PassedMethods = passed }.GatesPassed);

    [Theory]
    [InlineData("en", "Your verification code", "Enter this code to confirm it is you.")]
    [InlineData("fr", "Votre code de vérification", "Saisissez ce code pour confirmer votre identité.")]
    public void TheCodeEmail_CarriesTheCode_InTheRecipientsLanguage(string language, string heading, string line)
    {
        var templates = new MessageTemplates(Options.Create(new OrganizationOptions { Name = "Northwind" }), Options.Create(new MessagingOptions()));

        var email = templates.VerificationCode("12345678", TimeSpan.FromMinutes(5), CultureInfo.GetCultureInfo(language));

        Assert.StartsWith(heading, email.Text, StringComparison.Ordinal);
        Assert.Contains(line, email.Text, StringComparison.Ordinal);
        Assert.Contains("Northwind", email.Subject, StringComparison.Ordinal);
        Assert.Contains("12345678", email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePasswordResetEmail_SaysWhatToDoIfItWasNotYou()
    {
        var templates = new MessageTemplates(Options.Create(new OrganizationOptions { Name = "Northwind" }), Options.Create(new MessagingOptions()));

        var email = templates.PasswordReset("dana", new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), CultureInfo.GetCultureInfo("en"));

        Assert.Equal("Your Northwind password was reset", email.Subject);
        Assert.Contains("dana", email.Text, StringComparison.Ordinal);
        Assert.Contains("If this was not you", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ContactTarget_IsAPageOrAnAddress_NeverBoth()
    {
        Assert.Equal(new Uri("https://help.example/it"), new SelfServicePolicySettings { ContactAdministrator = "https://help.example/it" }.ContactUrl);
        Assert.Null(new SelfServicePolicySettings { ContactAdministrator = "https://help.example/it" }.ContactEmail);
        Assert.Equal("it@help.example", new SelfServicePolicySettings { ContactAdministrator = "it@help.example" }.ContactEmail);
        Assert.Null(new SelfServicePolicySettings { ContactAdministrator = null }.ContactEmail);
    }
}
