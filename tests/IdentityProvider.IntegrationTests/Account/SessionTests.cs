using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>Server-side sessions: sign-out ends the session everywhere at once, with the tokens apps got in it.</summary>
public sealed class SessionTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task SignOut_EndsTheSession_SoACopiedCookieGetsNothing_AndTheAppsRefreshTokenDies()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var cookies = new CookieContainer();
        using var app = fixture.Rp.CreateBrowser(cookies);
        using var appLogin = await app.GetAsync(new Uri("login", UriKind.Relative));
        using var appSession = await HtmlForms.SignInAsync(app, appLogin, user.UserName!, TestData.Password);
        var session = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<RelyingPartySession>(appSession.Content))!;

        // Someone copies the session cookie before the user signs out.
        var stolen = new CookieContainer();
        stolen.Add(cookies.GetCookies(fixture.Idp.BaseAddress));

        using var browser = fixture.Idp.CreateClient(cookies: cookies);
        using var logout = await browser.GetAsync(new Uri("Account/Logout", UriKind.Relative));
        (await HtmlForms.SubmitAsync(browser, logout, new Dictionary<string, string>())).Dispose();

        using var thief = fixture.Idp.CreateClient(followRedirects: false, cookies: stolen);
        using var account = await thief.GetAsync(new Uri("Account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, account.StatusCode);
        Assert.Equal("/Account/Login", account.Headers.Location!.AbsolutePath);

        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var request = AuthorizationCodeClient.Request(RelyingPartyHost.ClientId, fixture.Rp.RedirectUri, challenge);
        request["prompt"] = "none";
        using var silent = await thief.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", request), UriKind.Relative));
        var answer = QueryHelpers.ParseQuery(silent.Headers.Location!.Query);
        Assert.Equal("login_required", answer["error"].ToString());
        Assert.False(answer.ContainsKey("code"));

        using var http = new HttpClient();
        var refresh = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(fixture.Idp.BaseAddress, "connect/token").ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            RefreshToken = session.RefreshToken!,
        });
        Assert.Equal("invalid_grant", refresh.Error);
    }

    [Fact]
    public async Task TheAccountPage_ListsTheSessions_AndSignsOneOut_WhichEndsAtItsNextRequest()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var laptop = new RecoveryBrowser(fixture.Idp);
        using var phone = new RecoveryBrowser(fixture.Idp);
        phone.Client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1");
        await HtmlForms.SignInAsync(phone.Client, user.UserName!, TestData.Password);
        await HtmlForms.SignInAsync(laptop.Client, user.UserName!, TestData.Password);

        await laptop.OpenAsync("Account");
        var rows = HtmlForms.Parse(laptop.Html).QuerySelectorAll("table.sessions tbody tr");
        Assert.Equal(2, rows.Length);
        Assert.Contains(rows, r => r.TextContent.Contains("This browser", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.TextContent.Contains("Safari on iPhone", StringComparison.Ordinal));

        await laptop.SubmitAsync([], "EndSession");
        Assert.Contains("That session is signed out.", laptop.Alert, StringComparison.Ordinal);
        await phone.OpenAsync("Account");
        Assert.Equal("/Account/Login", phone.Path);
        await laptop.OpenAsync("Account");
        Assert.Equal("/Account", laptop.Path);
    }

    [Fact]
    public async Task SignOutEverywhereElse_AsksForThePassword_AndKeepsThisBrowser()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var other = new RecoveryBrowser(fixture.Idp);
        using var here = new RecoveryBrowser(fixture.Idp);
        await HtmlForms.SignInAsync(other.Client, user.UserName!, TestData.Password);
        await HtmlForms.SignInAsync(here.Client, user.UserName!, TestData.Password);

        await here.OpenAsync("Account");
        await here.SubmitAsync(new() { ["Password"] = string.Empty }, "SignOutEverywhere");
        Assert.Contains("Enter your password", here.Alert, StringComparison.Ordinal);
        await here.SubmitAsync(new() { ["Password"] = "Not-The-Password-9" }, "SignOutEverywhere");
        Assert.Contains("That password is not right.", here.Alert, StringComparison.Ordinal);
        await other.OpenAsync("Account");
        Assert.Equal("/Account", other.Path);

        await here.SubmitAsync(new() { ["Password"] = TestData.Password }, "SignOutEverywhere");
        Assert.Contains("You are signed out everywhere else.", here.Alert, StringComparison.Ordinal);
        await other.OpenAsync("Account");
        Assert.Equal("/Account/Login", other.Path);
        await here.OpenAsync("Account");
        Assert.Equal("/Account", here.Path);
    }
}

/// <summary>How long a session lasts: the idle timeout unless "keep me signed in", and the absolute lifetime always.</summary>
public sealed class SessionLifetimeTests(RecoveryClockFixture fixture) : IClassFixture<RecoveryClockFixture>
{
    [Fact]
    public async Task ASessionLeftAlone_EndsAfterTheIdleTimeout_AndActivityKeepsItGoing()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var browser = new RecoveryBrowser(fixture.Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);

        for (var i = 0; i < 3; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(20));
            await browser.OpenAsync("Account");
            Assert.Equal("/Account", browser.Path);
        }

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        await browser.OpenAsync("Account");
        Assert.Equal("/Account/Login", browser.Path);
        Assert.Equal(0, await SessionsOfAsync(user.Id));
    }

    [Fact]
    public async Task KeepMeSignedIn_HasNoIdleTimeout_ButEndsAfterTwelveHours()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var browser = new RecoveryBrowser(fixture.Idp);
        using (var login = await browser.Client.GetAsync(new Uri("Account/Login", UriKind.Relative)))
        {
            (await HtmlForms.SignInAsync(browser.Client, login, user.UserName!, TestData.Password, rememberMe: true)).Dispose();
        }

        fixture.Clock.Advance(TimeSpan.FromHours(3));
        await browser.OpenAsync("Account");
        Assert.Equal("/Account", browser.Path);

        fixture.Clock.Advance(TimeSpan.FromHours(9));
        await browser.OpenAsync("Account");
        Assert.Equal("/Account/Login", browser.Path);
    }

    private async Task<int> SessionsOfAsync(string userId)
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<UserSession>().CountAsync(s => s.UserId == userId);
    }
}
