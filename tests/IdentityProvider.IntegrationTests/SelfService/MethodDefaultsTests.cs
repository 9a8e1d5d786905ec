using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The strongest method first, and no text messages for administrators unless configured.</summary>
public sealed class MethodDefaultsTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task TheAuthenticatorApp_IsListedFirst_InTheJourneyAndOnTheSecurityInfoPage()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400321321"), questions: true, authenticator: true);
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await journey.ChooseReasonAsync();
            var offered = HtmlForms.Parse(journey.Html).QuerySelectorAll("input[name=Method]").Select(i => i.GetAttribute("value")).ToList();
            Assert.Equal(["AuthenticatorApp", "AlternateEmail", "MobileText", "MobileCall", "SecurityQuestions"], offered);
        }

        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/SecurityInfo");
        var sections = HtmlForms.Parse(browser.Html).QuerySelectorAll("section.method h2").Select(h => h.TextContent.Trim()).ToList();
        Assert.Equal("Authenticator app", sections[0]);
    }

    [Fact]
    public async Task Administrators_AreNotOfferedTextMessages_ToResetOrToVerifyANumber()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400654654"), role: "Administrator");
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(admin.UserName!))
        {
            await journey.ChooseReasonAsync();
            var offered = HtmlForms.Parse(journey.Html).QuerySelectorAll("input[name=Method]").Select(i => i.GetAttribute("value")).ToList();
            Assert.Equal(["AlternateEmail", "MobileCall"], offered);
            await journey.SubmitAsync(new() { ["Method"] = "MobileText" }, "Choose");
            Assert.Contains("Choose one of the listed ways", journey.Alert, StringComparison.Ordinal);
        }

        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("Account/SecurityInfo");
        Assert.Null(HtmlForms.Parse(browser.Html).QuerySelector("input[name=Channel][value=text]"));
        // Even asked for a text, the number is checked by a call.
        await browser.SubmitAsync(new() { ["NewMobile"] = "+447400654999", ["Channel"] = "text" }, "Mobile");
        var sent = Assert.Single(await RecoveryData.MessagesToAsync(Idp, "+447400654999"));
        Assert.Equal(MessageChannel.Voice, sent.Channel);
    }
}
