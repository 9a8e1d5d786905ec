using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>A real relying party signs users in with code + PKCE, reads userinfo, refreshes, revokes and signs out.</summary>
public sealed class CodeFlowTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    private RelyingPartyHost Rp => fixture.Rp;

    private Uri TokenEndpoint => new(Idp.BaseAddress, "connect/token");

    [Fact]
    public async Task RelyingParty_SignsInWithCodeAndPkce_AndReadsUserInfo()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var cookies = new CookieContainer();
        using var browser = Rp.CreateBrowser(cookies);

        var session = await SignInThroughRelyingPartyAsync(browser, user.UserName!);

        Assert.Equal(user.Id, session.Claim("sub"));
        Assert.Equal(user.Email, session.Claim("email")); // from the userinfo endpoint
        Assert.Equal(user.UserName, session.Claim("preferred_username"));
        Assert.NotNull(session.RefreshToken);

        var idToken = new JwtSecurityTokenHandler().ReadJwtToken(session.IdToken);
        Assert.Equal(Idp.BaseAddress.ToString(), idToken.Issuer);
        Assert.Contains(idToken.Claims, c => c.Type == "amr" && c.Value == "pwd");
        Assert.Contains(idToken.Claims, c => c.Type == "auth_time");
        Assert.Equal("true", idToken.Claims.Single(c => c.Type == "email_verified").Value);
        Assert.Equal(System.Security.Claims.ClaimValueTypes.Boolean, idToken.Claims.Single(c => c.Type == "email_verified").ValueType);
    }

    [Fact]
    public async Task Tokens_NeverCarryTheSecurityStampOrItsDigest()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Rp.CreateBrowser();
        var session = await SignInThroughRelyingPartyAsync(browser, user.UserName!);

        foreach (var token in new[] { session.AccessToken!, session.IdToken! })
        {
            var jwt = new JwtSecurityTokenHandler().ReadJwtToken(token);
            Assert.DoesNotContain(jwt.Claims, c => c.Type.Contains("stamp", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(jwt.Claims, c => c.Value == user.SecurityStamp);
        }
    }

    [Fact]
    public async Task RefreshToken_IsRotated_AndReuseRevokesTheWholeFamily()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Rp.CreateBrowser();
        var session = await SignInThroughRelyingPartyAsync(browser, user.UserName!);
        using var http = new HttpClient();

        var first = await RefreshAsync(http, session.RefreshToken!);
        Assert.False(first.IsError, first.Error);
        Assert.NotEqual(session.RefreshToken, first.RefreshToken);

        var reuse = await RefreshAsync(http, session.RefreshToken!);
        Assert.Equal("invalid_grant", reuse.Error);

        // Reuse is treated as theft: the rotated token is revoked too.
        var afterReuse = await RefreshAsync(http, first.RefreshToken!);
        Assert.Equal("invalid_grant", afterReuse.Error);
    }

    [Fact]
    public async Task RevokedRefreshToken_CannotBeRedeemed_AndIntrospectsInactive()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = Rp.CreateBrowser();
        var session = await SignInThroughRelyingPartyAsync(browser, user.UserName!);
        using var http = new HttpClient();

        var active = await IntrospectAsync(http, session.RefreshToken!);
        Assert.True(active.IsActive);

        var revocation = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/revoke").ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            Token = session.RefreshToken!,
            TokenTypeHint = "refresh_token",
        });
        Assert.False(revocation.IsError, revocation.Error);

        Assert.Equal("invalid_grant", (await RefreshAsync(http, session.RefreshToken!)).Error);
        Assert.False((await IntrospectAsync(http, session.RefreshToken!)).IsActive);
    }

    [Fact]
    public async Task SignOut_FromRelyingParty_EndsTheIdentityProviderSession_AndReturnsToRegisteredUri()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var cookies = new CookieContainer();
        using var browser = Rp.CreateBrowser(cookies);
        await SignInThroughRelyingPartyAsync(browser, user.UserName!);

        using var signedOut = await browser.GetAsync(new Uri("logout", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
        Assert.Equal(new Uri(Rp.BaseAddress, "signed-out"), signedOut.RequestMessage!.RequestUri);

        // The identity provider no longer knows the browser: signing in again shows the login page.
        using var again = await browser.GetAsync(new Uri("login", UriKind.Relative));
        Assert.Equal("/Account/Login", again.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task EndSession_WithoutProofFromTheApp_AsksTheUserFirst_ThenReturnsToTheRegisteredUri()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var cookies = new CookieContainer();
        using var rpBrowser = Rp.CreateBrowser(cookies);
        await SignInThroughRelyingPartyAsync(rpBrowser, user.UserName!);
        using var browser = Idp.CreateClient(cookies: cookies);
        var endSession = $"connect/endsession?client_id={RelyingPartyHost.ClientId}&post_logout_redirect_uri={Uri.EscapeDataString(Rp.PostLogoutRedirectUri.ToString())}";

        // A bare link (no id_token_hint) does not sign anyone out by itself.
        using var asked = await browser.GetAsync(new Uri(endSession, UriKind.Relative));
        Assert.Equal("/Account/Logout", asked.RequestMessage!.RequestUri!.AbsolutePath);
        using var stillIn = await rpBrowser.GetAsync(new Uri("login", UriKind.Relative));
        Assert.Equal(new Uri(Rp.BaseAddress, "me"), stillIn.RequestMessage!.RequestUri);

        using var confirmed = await HtmlForms.SubmitAsync(browser, asked, new Dictionary<string, string>());
        Assert.Equal(Rp.PostLogoutRedirectUri.AbsolutePath, confirmed.RequestMessage!.RequestUri!.AbsolutePath);
        using var signedOut = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("You are not signed in", await signedOut.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_IsReadableByAClientLibrary_AndAdvertisesOnlyS256()
    {
        using var http = new HttpClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = Idp.BaseAddress.ToString(),
            Policy = { RequireHttps = false },
        });

        Assert.False(discovery.IsError, discovery.Error);
        Assert.Equal(new Uri(Idp.BaseAddress, "connect/token").ToString(), discovery.TokenEndpoint);
        Assert.Equal(["S256"], discovery.CodeChallengeMethodsSupported);
        Assert.NotEmpty(discovery.KeySet!.Keys);
        Assert.Contains("client_credentials", discovery.GrantTypesSupported);
    }

    internal async Task<RelyingPartySession> SignInThroughRelyingPartyAsync(HttpClient browser, string userName)
    {
        using var loginPage = await browser.GetAsync(new Uri("login", UriKind.Relative));
        Assert.Equal("/Account/Login", loginPage.RequestMessage!.RequestUri!.AbsolutePath);
        using var landed = await HtmlForms.SignInAsync(browser, loginPage, userName, TestData.Password);
        Assert.True(landed.IsSuccessStatusCode, await landed.Content.ReadAsStringAsync());
        Assert.Equal(new Uri(Rp.BaseAddress, "me"), landed.RequestMessage!.RequestUri);
        return (await landed.Content.ReadFromJsonAsync<RelyingPartySession>())!;
    }

    private Task<TokenResponse> RefreshAsync(HttpClient http, string refreshToken) =>
        http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = TokenEndpoint.ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            RefreshToken = refreshToken,
        });

    private Task<TokenIntrospectionResponse> IntrospectAsync(HttpClient http, string token) =>
        http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/introspect").ToString(),
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = RelyingPartyHost.ClientSecret,
            Token = token,
        });
}
