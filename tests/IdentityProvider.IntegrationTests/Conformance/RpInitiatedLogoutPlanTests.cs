using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Conformance;

/// <summary>Identity tokens that expire after two seconds, so that a test can send an expired hint.</summary>
public sealed class LogoutConformanceFixture : ConformanceFixture
{
    protected override void Configure(TestServerOptions server) => server.Settings["Oidc:IdentityTokenLifetime"] = "00:00:02";
}

/// <summary>
/// The OpenID Foundation's RP-Initiated Logout certification plan (<c>oidcc-rp-initiated-logout-certification-test-plan</c>),
/// one test per module: after a normal sign-in the browser goes to the end-session endpoint; the server returns it
/// to the <c>post_logout_redirect_uri</c> (with <c>state</c>) only when the request names the client by a valid
/// <c>id_token_hint</c> (or a <c>client_id</c>) and the address is registered for it; otherwise it shows an error or
/// asks the user and then stays on its own signed-out page.
/// </summary>
public sealed class RpInitiatedLogoutPlanTests(LogoutConformanceFixture fixture) : IClassFixture<LogoutConformanceFixture>
{
    private string UserName => fixture.User.UserName!;

    [Fact]
    public async Task OidccRpInitiatedLogoutDiscoveryEndpointVerification_PublishesTheEndSessionEndpoint()
    {
        var disco = await fixture.Client().DiscoverAsync();

        Assert.Equal(new Uri(fixture.Idp.BaseAddress, "connect/endsession").ToString(), disco.EndSessionEndpoint);
    }

    [Fact]
    public async Task OidccRpInitiatedLogout_ReturnsToThePostLogoutRedirectUriWithState_AndTheSessionIsOver()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "logout-state" });

        Assert.Equal(fixture.PostLogoutRedirectUri.ToString(), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Equal("logout-state", outcome["state"]);
        await AssertSignedOutAsync(client);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutBadPostLogoutRedirectUri_ShowsAnError_NeverRedirects()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken, ["post_logout_redirect_uri"] = "https://conformance.example/test/a/op/not-registered", ["state"] = "s" });

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal(HttpStatusCode.BadRequest, outcome.Page!.StatusCode);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutModifiedIdTokenHint_AlgNone_AsksTheUser_ThenStaysHere()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);
        var parts = tokens.IdentityToken!.Split('.');
        var unsigned = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";

        await AssertAskedThenSignedOutWithoutRedirectAsync(client, new() { ["id_token_hint"] = unsigned, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "s" });
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutNoIdTokenHint_AsksTheUser_ThenStaysHere()
    {
        var client = fixture.Client();
        await client.CodeFlowAsync(UserName);

        await AssertAskedThenSignedOutWithoutRedirectAsync(client, new() { ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "s" });
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutNoParams_AsksTheUser_ThenShowsTheSignedOutPage()
    {
        var client = fixture.Client();
        await client.CodeFlowAsync(UserName);

        await AssertAskedThenSignedOutWithoutRedirectAsync(client, []);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutNoPostLogoutRedirectUri_SignsOut_AndShowsTheSignedOutPage()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken });

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal("/Account/SignedOut", outcome.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        await AssertSignedOutAsync(client);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutNoState_ReturnsToThePostLogoutRedirectUriWithoutState()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString() });

        Assert.Equal(fixture.PostLogoutRedirectUri.ToString(), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Null(outcome["state"]);
        await AssertSignedOutAsync(client);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutOnlyState_AsksTheUser_ThenShowsTheSignedOutPage()
    {
        var client = fixture.Client();
        await client.CodeFlowAsync(UserName);

        await AssertAskedThenSignedOutWithoutRedirectAsync(client, new() { ["state"] = "s" });
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutQueryAddedToPostLogoutRedirectUri_ShowsAnError_NeverRedirects()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri + "?foo=bar", ["state"] = "s" });

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal(HttpStatusCode.BadRequest, outcome.Page!.StatusCode);
    }

    [Fact]
    public async Task OidccRpInitiatedLogoutBadIdTokenHint_SignedBySomeoneElse_AsksTheUser_ThenStaysHere()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName);
        var forged = Resign(tokens.IdentityToken!);

        await AssertAskedThenSignedOutWithoutRedirectAsync(client, new() { ["id_token_hint"] = forged, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "s" });
    }

    [Fact]
    public async Task ClientIdWithoutHint_AsksTheUser_ThenReturnsToThatClientsRegisteredAddressWithState()
    {
        var client = fixture.Client();
        await client.CodeFlowAsync(UserName);
        using var browser = client.Browser();

        var asked = await EndSessionAsync(client, new() { ["client_id"] = client.ClientId, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "by-client-id" });
        Assert.Equal("/Account/Logout", asked.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        var outcome = await client.FollowAsync(browser, await HtmlForms.SubmitAsync(browser, asked.Page, new Dictionary<string, string>()));

        Assert.Equal(fixture.PostLogoutRedirectUri.ToString(), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Equal("by-client-id", outcome["state"]);
    }

    [Fact]
    public async Task ExpiredIdTokenHint_IsStillAValidHint()
    {
        var client = fixture.Client();
        var (tokens, idToken) = await client.CodeFlowAsync(UserName);
        var expires = DateTimeOffset.FromUnixTimeSeconds(idToken.GetPayloadValue<long>("exp"));
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5));

        var outcome = await EndSessionAsync(client, new() { ["id_token_hint"] = tokens.IdentityToken, ["post_logout_redirect_uri"] = fixture.PostLogoutRedirectUri.ToString(), ["state"] = "late" });

        Assert.Equal(fixture.PostLogoutRedirectUri.ToString(), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Equal("late", outcome["state"]);
    }

    private static async Task<AuthorizationOutcome> EndSessionAsync(ConformanceClient client, Dictionary<string, string?> parameters)
    {
        using var browser = client.Browser();
        var response = await browser.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/endsession", parameters), UriKind.Relative));
        return await client.FollowAsync(browser, response);
    }

    /// <summary>The server asks the user (not redirecting anywhere); after the user confirms, the browser stays on its signed-out page.</summary>
    private static async Task AssertAskedThenSignedOutWithoutRedirectAsync(ConformanceClient client, Dictionary<string, string?> parameters)
    {
        var asked = await EndSessionAsync(client, parameters);
        Assert.Null(asked.RedirectedTo);
        Assert.Equal("/Account/Logout", asked.Page!.RequestMessage!.RequestUri!.AbsolutePath);

        using var browser = client.Browser();
        var outcome = await client.FollowAsync(browser, await HtmlForms.SubmitAsync(browser, asked.Page, new Dictionary<string, string>()));

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal("/Account/SignedOut", outcome.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        await AssertSignedOutAsync(client);
    }

    /// <summary>As the plan checks afterwards: a prompt=none authorization gets an error that needs the user.</summary>
    private static async Task AssertSignedOutAsync(ConformanceClient client)
    {
        var request = client.Request();
        request["prompt"] = "none";

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal("login_required", outcome["error"]);
    }

    /// <summary>The same claims, signed with a key this server never saw (as the suite's own key would be).</summary>
    private static string Resign(string idToken)
    {
        using var rsa = RSA.Create(2048);
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(idToken.Split('.')[1])).RootElement;
        var claims = payload.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.Clone());
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "conformance-suite" }, SecurityAlgorithms.RsaSha256),
        });
    }
}
