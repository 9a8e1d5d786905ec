using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>A server whose passwords expire after 90 days, with a 14-day warning, and whose resets skip the history rule.</summary>
public sealed class ExpiryFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        server.Settings["Passwords:ExpiryDays"] = "90";
        server.Settings["Passwords:ExpiryWarningDays"] = "14";
        server.Settings["Passwords:HistoryOnReset"] = "false";
    }
}

public sealed class PasswordExpiryTests(ExpiryFixture fixture) : IClassFixture<ExpiryFixture>
{
    [Fact]
    public async Task ExpiredPassword_MustBeChangedBeforeSigningIn()
    {
        var user = await AgedUserAsync(days: 100);
        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login?returnUrl=%2FAccount%2FChangePassword", UriKind.Relative));

        using var forced = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);

        Assert.Equal("/Account/ForcedChange", forced.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Your password has expired", await forced.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var done = await HtmlForms.SubmitAsync(browser, forced, new Dictionary<string, string>
        {
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
        });
        Assert.Equal("/Account/ChangePassword", done.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task ExpiredPassword_CannotBeChosenAgain_EvenWhereResetsSkipTheHistory()
    {
        var user = await AgedUserAsync(days: 100);
        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var forced = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);

        using var again = await HtmlForms.SubmitAsync(browser, forced, new Dictionary<string, string>
        {
            ["Input.NewPassword"] = TestData.Password,
            ["Input.ConfirmPassword"] = TestData.Password,
        });

        // A forced change is a change: the user knows the old password, so the history rule holds.
        Assert.Equal("/Account/ForcedChange", again.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("You have used this password recently", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordNearExpiry_IsWarnedAbout_AndLaterContinues()
    {
        var user = await AgedUserAsync(days: 85);
        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var warned = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);

        Assert.Equal("/Account/PasswordExpiring", warned.RequestMessage!.RequestUri!.AbsolutePath);
        var html = await warned.Content.ReadAsStringAsync();
        Assert.Contains("Your password expires in 5 days", html, StringComparison.Ordinal);
        var later = HtmlForms.Parse(html).QuerySelectorAll("a").Single(a => a.TextContent.Trim() == "Later").GetAttribute("href");
        using var home = await browser.GetAsync(new Uri(later!, UriKind.Relative));
        Assert.Contains("You are signed in", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreshPassword_SignsInStraightAway()
    {
        var user = await AgedUserAsync(days: 10);
        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var home = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);

        Assert.Equal("/", home.RequestMessage!.RequestUri!.AbsolutePath);
    }

    private async Task<Data.ApplicationUser> AgedUserAsync(int days)
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) =>
        {
            stored.PasswordChangedAt = DateTimeOffset.UtcNow.AddDays(-days);
            return users.UpdateAsync(stored);
        });
        return user;
    }
}
