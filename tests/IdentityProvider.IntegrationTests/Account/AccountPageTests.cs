using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Account;

public sealed class AccountPageTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task AccountPage_ShowsTheProfile()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login?returnUrl=%2FAccount", UriKind.Relative));
        using var page = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);

        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(user.Email!, html, StringComparison.Ordinal);
        Assert.Contains("Change your password", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHomePagesSignOutButton_SignsOut()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var browser = new RecoveryBrowser(fixture.Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        await browser.OpenAsync("/");

        await browser.SubmitAsync([]);
        Assert.Equal(HttpStatusCode.OK, browser.Page.StatusCode);
        await browser.OpenAsync("Account");
        Assert.Equal("/Account/Login", browser.Path);
    }

    [Fact]
    public async Task SignOutEverywhere_RevokesRefreshTokens_AndOtherBrowsersGetNoNewCodes()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var app = fixture.Rp.CreateBrowser(new CookieContainer());
        using var appLogin = await app.GetAsync(new Uri("login", UriKind.Relative));
        using var appSession = await HtmlForms.SignInAsync(app, appLogin, user.UserName!, TestData.Password);
        var session = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<RelyingPartySession>(appSession.Content))!;

        using var browser = fixture.Idp.CreateClient();
        using var login = await browser.GetAsync(new Uri("Account/Login?returnUrl=%2FAccount", UriKind.Relative));
        using var page = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);
        using var done = await HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string> { ["Password"] = TestData.Password }, "form[action*='handler=SignOutEverywhere']");
        Assert.Contains("You are signed out everywhere else", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var http = new HttpClient();
        var refresh = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(fixture.Idp.BaseAddress, "connect/token").ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            RefreshToken = session.RefreshToken!,
        });
        Assert.Equal("invalid_grant", refresh.Error);

        // The app's browser still has its identity-provider cookie, but it no longer yields a code.
        using var again = await app.GetAsync(new Uri("login", UriKind.Relative));
        Assert.Equal("/Account/Login", again.RequestMessage!.RequestUri!.AbsolutePath);

        // This browser stays signed in.
        using var stillHere = await browser.GetAsync(new Uri("Account", UriKind.Relative));
        Assert.Equal("/Account", stillHere.RequestMessage!.RequestUri!.AbsolutePath);
    }
}
