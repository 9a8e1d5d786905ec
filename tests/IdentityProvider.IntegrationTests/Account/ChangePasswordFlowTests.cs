using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>Change password with a real relying party: the hosted page, the application-initiated action, forced change.</summary>
public sealed class ChangePasswordFlowTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private const string NewPassword = "Velvet-Thunder-Pickle-Orbit-88";

    private IdentityProviderHost Idp => fixture.Idp;

    private RelyingPartyHost Rp => fixture.Rp;

    [Fact]
    public async Task HostedPage_WithARegisteredReturnUri_SignsInChangesAndReturnsWithResultAndState()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Idp.CreateClient();
        var hosted = HostedUrl(Rp.PasswordChangedUri.ToString(), "xyz-123");

        using var login = await browser.GetAsync(hosted);
        Assert.Equal("/Account/Login", login.RequestMessage!.RequestUri!.AbsolutePath);
        using var page = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);
        Assert.Contains("asked you to change your password", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var back = await SubmitChangeAsync(browser, page);

        Assert.Equal(Rp.PasswordChangedUri.AbsolutePath, back.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("result=changed state=xyz-123", await back.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://attacker.example/password-changed")]
    [InlineData("http://127.0.0.1:1/password-changed")]
    public async Task HostedPage_WithAnUnregisteredReturnUri_ShowsAnError_NeverRedirects(string returnUri)
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Idp.CreateClient(followRedirects: false);
        await HtmlForms.SignInAsync(browser, user.UserName!, TestData.Password);

        using var page = await browser.GetAsync(HostedUrl(returnUri, "s"));
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("is not valid", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var posted = await browser.PostAsync(HostedUrl(returnUri, "s"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [HtmlForms.AntiforgeryField] = await TokenAsync(browser),
            ["client_id"] = RelyingPartyHost.ClientId,
            ["return_uri"] = returnUri,
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = NewPassword,
            ["Input.ConfirmPassword"] = NewPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
    }

    [Fact]
    public async Task HostedPage_Cancel_ReturnsWithResultCancelled()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Idp.CreateClient();
        await HtmlForms.SignInAsync(browser, user.UserName!, TestData.Password);
        using var page = await browser.GetAsync(HostedUrl(Rp.PasswordChangedUri.ToString(), "abc"));

        using var back = await HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string>(), submitName: "Cancel");

        Assert.Equal("result=cancelled state=abc", await back.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ApplicationInitiatedAction_ChangesThePassword_ThenTheAppGetsFreshTokensShowingIt()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        var cookies = new CookieContainer();
        using var browser = Rp.CreateBrowser(cookies);
        var oldSession = await SignInAtRelyingPartyAsync(browser, user.UserName!, TestData.Password);

        using var page = await browser.GetAsync(new Uri("change-password", UriKind.Relative));
        Assert.Equal("/Account/ChangePassword", page.RequestMessage!.RequestUri!.AbsolutePath);
        using var landed = await SubmitChangeAsync(browser, page);

        Assert.Equal(new Uri(Rp.BaseAddress, "me"), landed.RequestMessage!.RequestUri);
        var session = (await landed.Content.ReadFromJsonAsync<RelyingPartySession>())!;
        var idToken = new JwtSecurityTokenHandler().ReadJwtToken(session.IdToken);
        Assert.True(long.Parse(idToken.Claims.Single(c => c.Type == "pwd_changed_at").Value, System.Globalization.CultureInfo.InvariantCulture) >= before);
        Assert.Contains(idToken.Claims, c => c.Type == "amr" && c.Value == "pwd");
        var accessToken = new JwtSecurityTokenHandler().ReadJwtToken(session.AccessToken);
        Assert.Contains(accessToken.Claims, c => c.Type == "pwd_changed_at");

        // Refresh tokens issued before the change no longer work; the new one does.
        Assert.Equal("invalid_grant", (await RefreshAsync(oldSession.RefreshToken!)).Error);
        Assert.False((await RefreshAsync(session.RefreshToken!)).IsError);
    }

    [Fact]
    public async Task ApplicationInitiatedAction_Cancelled_GivesTheAppAnAccessDeniedError()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Rp.CreateBrowser();
        await SignInAtRelyingPartyAsync(browser, user.UserName!, TestData.Password);

        using var page = await browser.GetAsync(new Uri("change-password", UriKind.Relative));
        using var back = await HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string>(), submitName: "Cancel");

        Assert.Equal("/error", back.RequestMessage!.RequestUri!.AbsolutePath);
        var error = await back.Content.ReadAsStringAsync();
        Assert.Contains("access_denied", error, StringComparison.Ordinal);
        Assert.Contains("cancelled the password change", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForcedChange_BlocksEveryTokenUntilANewPasswordIsChosen()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var first = Rp.CreateBrowser();
        var earlier = await SignInAtRelyingPartyAsync(first, user.UserName!, TestData.Password);
        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) =>
        {
            stored.MustChangePassword = true;
            return users.UpdateAsync(stored);
        });

        Assert.Equal("invalid_grant", (await RefreshAsync(earlier.RefreshToken!)).Error);

        using var browser = Rp.CreateBrowser();
        using var login = await browser.GetAsync(new Uri("login", UriKind.Relative));
        using var forced = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);
        Assert.Equal("/Account/ForcedChange", forced.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("temporary password", await forced.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Without the new password there is no session: the authorization endpoint still asks to sign in.
        using var stillOut = await browser.GetAsync(new Uri("login", UriKind.Relative));
        Assert.Equal("/Account/Login", stillOut.RequestMessage!.RequestUri!.AbsolutePath);

        using var sameAgain = await HtmlForms.SubmitAsync(browser, forced, new Dictionary<string, string>
        {
            ["Input.NewPassword"] = TestData.Password,
            ["Input.ConfirmPassword"] = TestData.Password,
        });
        Assert.Contains("You have used this password recently", WebUtility.HtmlDecode(await sameAgain.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        using var done = await HtmlForms.SubmitAsync(browser, sameAgain, new Dictionary<string, string>
        {
            ["Input.NewPassword"] = NewPassword,
            ["Input.ConfirmPassword"] = NewPassword,
        });
        Assert.Equal(new Uri(Rp.BaseAddress, "me"), done.RequestMessage!.RequestUri);
        var session = (await done.Content.ReadFromJsonAsync<RelyingPartySession>())!;
        Assert.Equal(user.Id, session.Claim("sub"));
    }

    private Uri HostedUrl(string returnUri, string state) => new(Idp.BaseAddress,
        $"Account/ChangePassword?client_id={RelyingPartyHost.ClientId}&return_uri={Uri.EscapeDataString(returnUri)}&state={state}");

    private static Task<HttpResponseMessage> SubmitChangeAsync(HttpClient browser, HttpResponseMessage page) =>
        HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = NewPassword,
            ["Input.ConfirmPassword"] = NewPassword,
        }, "form", "Change password");

    private async Task<string> TokenAsync(HttpClient browser)
    {
        using var page = await browser.GetAsync(new Uri(Idp.BaseAddress, "Account/ChangePassword"));
        return HtmlForms.Parse(await page.Content.ReadAsStringAsync()).QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")!.GetAttribute("value")!;
    }

    private async Task<RelyingPartySession> SignInAtRelyingPartyAsync(HttpClient browser, string userName, string password)
    {
        using var login = await browser.GetAsync(new Uri("login", UriKind.Relative));
        using var landed = await HtmlForms.SignInAsync(browser, login, userName, password);
        Assert.Equal(new Uri(Rp.BaseAddress, "me"), landed.RequestMessage!.RequestUri);
        return (await landed.Content.ReadFromJsonAsync<RelyingPartySession>())!;
    }

    private async Task<TokenResponse> RefreshAsync(string refreshToken)
    {
        using var http = new HttpClient();
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            RefreshToken = refreshToken,
        });
    }
}
