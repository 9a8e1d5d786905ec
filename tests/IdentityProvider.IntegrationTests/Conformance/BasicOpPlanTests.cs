using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Conformance;

/// <summary>
/// The OpenID Foundation's Basic OP certification plan (<c>oidcc-basic-certification-test-plan</c>, static client,
/// response type <c>code</c>, client_secret_basic unless the module says otherwise), one test per module, each doing
/// what the module's published description says against the real server.
/// </summary>
public sealed class BasicOpPlanTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    private string UserName => fixture.User.UserName!;

    [Fact]
    public async Task OidccServer_HappyFlowWithClientSecretBasicAndNoPkce_IssuesAValidIdTokenBoundToTheAccessToken()
    {
        var client = fixture.Client();
        var request = client.Request();

        var outcome = await client.AuthorizeAsync(request, UserName);

        Assert.Equal(request["state"], outcome["state"]);
        Assert.Equal((await client.DiscoverAsync()).Issuer, outcome["iss"]);
        var tokens = await client.RedeemAsync(outcome["code"]!);
        Assert.False(tokens.IsError, tokens.Error);
        var idToken = await client.ValidateIdTokenAsync(tokens.IdentityToken!, request["nonce"]);
        Assert.Equal(fixture.User.Id, idToken.Subject);
        Assert.Equal(HalfHash(tokens.AccessToken!), idToken.GetPayloadValue<string>("at_hash"));
        Assert.True(idToken.TryGetPayloadValue<long>("auth_time", out _));
    }

    [Fact]
    public async Task OidccResponseTypeMissing_SendsTheErrorBackToTheRegisteredRedirectUri()
    {
        var client = fixture.Client();
        var request = client.Request();
        request.Remove("response_type");

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal(fixture.RedirectUri.GetLeftPart(UriPartial.Path), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Contains(outcome["error"], new[] { "unsupported_response_type", "invalid_request" });
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task OidccIdTokenSignature_IsRs256WithAKidFromThePublishedKeys()
    {
        var client = fixture.Client();

        var (_, idToken) = await client.CodeFlowAsync(UserName);

        Assert.Equal(SecurityAlgorithms.RsaSha256, idToken.Alg);
        var keys = new JsonWebKeySet((await client.DiscoverAsync()).KeySet!.RawData);
        Assert.Contains(keys.Keys, key => key.Kid == idToken.Kid);
    }

    [Fact]
    public async Task OidccIdTokenUnsigned_IsSkippedBecauseNoneIsNotOffered_AndTokensAreNeverUnsigned()
    {
        var client = fixture.Client();
        var disco = await client.DiscoverAsync();

        // The module runs only when discovery offers "none"; this server never does.
        Assert.DoesNotContain("none", disco.TryGetStringArray("id_token_signing_alg_values_supported"));
        var (_, idToken) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["id_token_signed_response_alg"] = "none" });
        Assert.Equal(SecurityAlgorithms.RsaSha256, idToken.Alg);
    }

    [Fact]
    public async Task OidccUserInfoGet_AnswersForTheBearerTokenInTheHeader()
    {
        var client = fixture.Client();
        var (tokens, idToken) = await client.CodeFlowAsync(UserName);

        var userInfo = await client.UserInfoAsync(tokens.AccessToken!);

        Assert.False(userInfo.IsError, userInfo.Error);
        Assert.Equal(idToken.Subject, userInfo.Json?.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task OidccUserInfoPostHeader_AnswersAPostWithTheBearerTokenInTheHeader()
    {
        var client = fixture.Client();
        var (tokens, idToken) = await client.CodeFlowAsync(UserName);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, (await client.DiscoverAsync()).UserInfoEndpoint) { Content = new FormUrlEncodedContent([]) };
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(idToken.Subject, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task OidccUserInfoPostBody_AnswersAPostWithTheTokenInTheFormBody()
    {
        var client = fixture.Client();
        var (tokens, idToken) = await client.CodeFlowAsync(UserName);
        using var http = new HttpClient();

        using var response = await http.PostAsync((await client.DiscoverAsync()).UserInfoEndpoint, new FormUrlEncodedContent([new("access_token", tokens.AccessToken!)]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(idToken.Subject, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task OidccEnsureRequestWithoutNonceSucceedsForCodeFlow_IssuesACode()
    {
        var client = fixture.Client();
        var request = client.Request();
        request.Remove("nonce");

        var outcome = await client.AuthorizeAsync(request, UserName);
        var tokens = await client.RedeemAsync(outcome["code"]!);

        Assert.False(tokens.IsError, tokens.Error);
        var idToken = await client.ValidateIdTokenAsync(tokens.IdentityToken!, nonce: null);
        Assert.False(idToken.TryGetPayloadValue<string>("nonce", out _));
    }

    [Fact]
    public async Task OidccScopeProfile_ReturnsTheProfileClaimsFromUserInfo()
    {
        var userInfo = await UserInfoForScopeAsync("openid profile");

        Assert.Equal(fixture.User.GivenName + " " + fixture.User.FamilyName, userInfo.GetProperty("name").GetString());
        Assert.Equal(fixture.User.GivenName, userInfo.GetProperty("given_name").GetString());
        Assert.Equal(fixture.User.FamilyName, userInfo.GetProperty("family_name").GetString());
        Assert.Equal(UserName, userInfo.GetProperty("preferred_username").GetString());
        Assert.Equal("en-GB", userInfo.GetProperty("locale").GetString());
        Assert.Equal("Europe/London", userInfo.GetProperty("zoneinfo").GetString());
        Assert.Equal(JsonValueKind.Number, userInfo.GetProperty("updated_at").ValueKind);
        Assert.False(userInfo.TryGetProperty("email", out _));
    }

    [Fact]
    public async Task OidccScopeEmail_ReturnsTheEmailFromUserInfo()
    {
        var userInfo = await UserInfoForScopeAsync("openid email");

        Assert.Equal(fixture.User.Email, userInfo.GetProperty("email").GetString());
        Assert.True(userInfo.GetProperty("email_verified").GetBoolean());
        Assert.False(userInfo.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task OidccScopeAddress_IsSkippedBecauseTheScopeIsNotOffered_AndAskingForItIsAnErrorForTheClient()
    {
        var client = fixture.Client();
        Assert.DoesNotContain("address", (await client.DiscoverAsync()).ScopesSupported);
        var request = client.Request("openid address");

        var outcome = await client.AuthorizeAsync(request, UserName);

        Assert.Equal("invalid_scope", outcome["error"]);
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task OidccScopePhone_ReturnsTheVerifiedMobileNumberFromUserInfo()
    {
        var userInfo = await UserInfoForScopeAsync("openid phone");

        Assert.Equal("+447700900123", userInfo.GetProperty("phone_number").GetString());
        Assert.True(userInfo.GetProperty("phone_number_verified").GetBoolean());
    }

    [Fact]
    public async Task OidccScopeAll_ReturnsEveryOfferedScopesClaims()
    {
        var userInfo = await UserInfoForScopeAsync("openid profile email phone");

        Assert.True(userInfo.TryGetProperty("name", out _));
        Assert.True(userInfo.TryGetProperty("email", out _));
        Assert.True(userInfo.TryGetProperty("phone_number", out _));
    }

    [Fact]
    public async Task OidccAlternateHappyFlow_ScopesReversedAndParametersReordered_Succeeds()
    {
        var client = fixture.Client();
        var request = client.Request("email profile openid");
        var reordered = request.Reverse().ToDictionary(p => p.Key, p => p.Value);

        var outcome = await client.AuthorizeAsync(reordered, UserName);
        var tokens = await client.RedeemAsync(outcome["code"]!);

        Assert.False(tokens.IsError, tokens.Error);
        Assert.Equal(fixture.User.Id, (await client.ValidateIdTokenAsync(tokens.IdentityToken!, request["nonce"])).Subject);
    }

    [Theory]
    [InlineData("page")]
    [InlineData("popup")]
    public async Task OidccDisplayPageAndPopup_ShowTheNormalLoginPage_ThenIssueACode(string display)
    {
        var client = fixture.Client();
        var request = client.Request();
        request["display"] = display;

        var atLogin = await client.AuthorizeAsync(request);
        Assert.Equal("/Account/Login", atLogin.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        var outcome = await client.AuthorizeAsync(request, UserName);

        Assert.NotNull(outcome["code"]);
    }

    [Fact]
    public async Task OidccPromptLogin_AsksToSignInAgain_AndTheNewAuthTimeIsLater()
    {
        var client = fixture.Client();
        var (_, first) = await client.CodeFlowAsync(UserName);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // auth_time counts whole seconds
        var request = client.Request();
        request["prompt"] = "login";

        var atLogin = await client.AuthorizeAsync(request);
        Assert.Equal("/Account/Login", atLogin.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        var (_, second) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["prompt"] = "login" });

        Assert.Equal(first.Subject, second.Subject);
        Assert.True(second.GetPayloadValue<long>("auth_time") > first.GetPayloadValue<long>("auth_time"));
    }

    [Fact]
    public async Task OidccPromptNoneNotLoggedIn_RedirectsBackWithLoginRequired()
    {
        var client = fixture.Client();
        var request = client.Request();
        request["prompt"] = "none";

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal("login_required", outcome["error"]);
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task OidccPromptNoneLoggedIn_IssuesACodeSilently_WithTheSameSubjectAndAuthTime()
    {
        var client = fixture.Client();
        var (_, first) = await client.CodeFlowAsync(UserName);

        var (_, second) = await client.CodeFlowAsync(userName: null, extra: new Dictionary<string, string> { ["prompt"] = "none" });

        Assert.Equal(first.Subject, second.Subject);
        Assert.Equal(first.GetPayloadValue<long>("auth_time"), second.GetPayloadValue<long>("auth_time"));
    }

    /// <summary>
    /// The module waits one second and sends <c>max_age=1</c>. Here the session is six seconds old and
    /// <c>max_age</c> is five, which asks for the same thing (a new sign-in, then an <c>auth_time</c>) but leaves the
    /// resumed authorization five seconds to arrive after that sign-in on a loaded machine.
    /// </summary>
    [Fact]
    public async Task OidccMaxAge1_AnOlderSession_AsksToSignInAgain_AndReturnsAuthTime()
    {
        var client = fixture.Client();
        var (_, first) = await client.CodeFlowAsync(UserName);
        await Task.Delay(TimeSpan.FromSeconds(6));
        var request = client.Request();
        request["max_age"] = "5";

        var atLogin = await client.AuthorizeAsync(request);
        Assert.Equal("/Account/Login", atLogin.Page!.RequestMessage!.RequestUri!.AbsolutePath);
        var (_, second) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["max_age"] = "5" });

        Assert.True(second.GetPayloadValue<long>("auth_time") > first.GetPayloadValue<long>("auth_time"));
    }

    [Fact]
    public async Task OidccMaxAge10000_WhenSignedIn_DoesNotAskAgain_AndKeepsAuthTime()
    {
        var client = fixture.Client();
        var (_, first) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["max_age"] = "15000" });

        var (_, second) = await client.CodeFlowAsync(userName: null, extra: new Dictionary<string, string> { ["max_age"] = "10000" });

        Assert.Equal(first.Subject, second.Subject);
        Assert.Equal(first.GetPayloadValue<long>("auth_time"), second.GetPayloadValue<long>("auth_time"));
    }

    [Fact]
    public async Task OidccEnsureRequestWithUnknownParameterSucceeds_IgnoresTheParameter()
    {
        var (_, idToken) = await fixture.Client().CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["extra"] = "foobar" });

        Assert.Equal(fixture.User.Id, idToken.Subject);
    }

    [Fact]
    public async Task OidccIdTokenHint_WithPromptNone_IssuesACodeSilentlyForTheSameUser()
    {
        var client = fixture.Client();
        var (first, firstIdToken) = await client.CodeFlowAsync(UserName);

        var (_, second) = await client.CodeFlowAsync(userName: null, extra: new Dictionary<string, string> { ["prompt"] = "none", ["id_token_hint"] = first.IdentityToken! });

        Assert.Equal(firstIdToken.Subject, second.Subject);
        Assert.Equal(firstIdToken.GetPayloadValue<long>("auth_time"), second.GetPayloadValue<long>("auth_time"));
    }

    [Theory]
    [InlineData("login_hint", "buffy@localhost")]
    [InlineData("ui_locales", "se")]
    [InlineData("claims_locales", "se")]
    public async Task OidccLoginHintUiLocalesAndClaimsLocales_CauseNoError(string parameter, string value)
    {
        var (_, idToken) = await fixture.Client().CodeFlowAsync(UserName, extra: new Dictionary<string, string> { [parameter] = value });

        Assert.Equal(fixture.User.Id, idToken.Subject);
    }

    [Fact]
    public async Task OidccEnsureRequestWithAcrValuesSucceeds_ReturnsOneOfTheRequestedValues()
    {
        var client = fixture.Client();
        var offered = (await client.DiscoverAsync()).TryGetStringArray("acr_values_supported").ToList();
        Assert.NotEmpty(offered);

        var (_, idToken) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["acr_values"] = string.Join(' ', offered) });

        Assert.Contains(idToken.GetPayloadValue<string>("acr"), offered);
    }

    [Fact]
    public async Task OidccCodeReuse_SecondUseIsInvalidGrant()
    {
        var client = fixture.Client();
        var outcome = await client.AuthorizeAsync(client.Request(), UserName);
        Assert.False((await client.RedeemAsync(outcome["code"]!)).IsError);

        var second = await client.RedeemAsync(outcome["code"]!);

        Assert.Equal("invalid_grant", second.Error);
    }

    /// <summary>
    /// The module waits 30 seconds between the two uses; the server's answer does not depend on the wait (a redeemed
    /// code is marked so in the database, and its reuse revokes what it gave), so the test does not wait.
    /// </summary>
    [Fact]
    public async Task OidccCodeReuse30Seconds_SecondUseIsInvalidGrant_AndTheFirstAccessTokenIsRevoked()
    {
        var client = fixture.Client();
        var outcome = await client.AuthorizeAsync(client.Request(), UserName);
        var first = await client.RedeemAsync(outcome["code"]!);
        Assert.False((await client.UserInfoAsync(first.AccessToken!)).IsError);

        var second = await client.RedeemAsync(outcome["code"]!);

        Assert.Equal("invalid_grant", second.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.UserInfoAsync(first.AccessToken!)).HttpStatusCode);
    }

    [Fact]
    public async Task OidccEnsureRegisteredRedirectUri_ShowsAnErrorPage_NeverRedirects()
    {
        var client = fixture.Client();
        await client.SignInAsync(UserName);
        var request = client.Request();
        request["redirect_uri"] = "https://conformance.example/test/a/op/not-registered";

        var outcome = await client.AuthorizeAsync(request);

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal(HttpStatusCode.BadRequest, outcome.Page!.StatusCode);
        Assert.Contains("redirect_uri", await outcome.Page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OidccEnsurePostRequestSucceeds_AuthorizationRequestAsAFormPost_IssuesACode()
    {
        var client = fixture.Client();
        await client.SignInAsync(UserName);
        var request = client.Request();

        var outcome = await client.AuthorizeAsync(request, post: true);

        Assert.Equal(request["state"], outcome["state"]);
        Assert.False((await client.RedeemAsync(outcome["code"]!)).IsError);
    }

    [Fact]
    public async Task OidccServerClientSecretPost_HappyFlowWithTheSecretInTheBody()
    {
        var (tokens, idToken) = await fixture.Client().CodeFlowAsync(UserName, style: ClientCredentialStyle.PostBody);

        Assert.NotNull(tokens.AccessToken);
        Assert.Equal(fixture.User.Id, idToken.Subject);
    }

    [Fact]
    public async Task OidccRequestUriUnsigned_IsRejectedAsUnsupported_BackToTheClient()
    {
        var client = fixture.Client();
        Assert.False((await client.DiscoverAsync()).TryGetBoolean("request_uri_parameter_supported") ?? false);
        await client.SignInAsync(UserName);
        var request = client.Request();
        request["request_uri"] = "https://conformance.example/test/a/op/request.jwt";

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal("request_uri_not_supported", outcome["error"]);
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task OidccUnsignedRequestObject_IsRejectedWithRequestNotSupported_BackToTheClient()
    {
        var client = fixture.Client();
        await client.SignInAsync(UserName);
        var request = client.Request();
        request["request"] = UnsignedJwt(new { client_id = client.ClientId, response_type = "code", scope = "openid", redirect_uri = client.RedirectUri.ToString() });

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal("request_not_supported", outcome["error"]);
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task OidccClaimsEssential_NameAskedForUserInfo_IsReturnedWithOnlyTheOpenIdScope()
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName, extra: new Dictionary<string, string> { ["claims"] = """{"userinfo":{"name":{"essential":true}}}""" });

        var userInfo = await client.UserInfoAsync(tokens.AccessToken!);

        Assert.Equal(fixture.User.GivenName + " " + fixture.User.FamilyName, userInfo.Json?.GetProperty("name").GetString());
        Assert.False(userInfo.Json?.TryGetProperty("given_name", out _));
    }

    [Fact]
    public async Task OidccEnsureRequestObjectWithRedirectUri_IsSkippedWithoutRequestObjects_AndTheErrorGoesToTheRequestsRedirectUri()
    {
        var client = fixture.Client();
        Assert.False((await client.DiscoverAsync()).TryGetBoolean("request_parameter_supported") ?? false);
        await client.SignInAsync(UserName);
        var request = client.Request();
        request["request"] = UnsignedJwt(new { client_id = client.ClientId, redirect_uri = "https://conformance.example/test/a/op/other" });

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal(fixture.RedirectUri.GetLeftPart(UriPartial.Path), outcome.RedirectedTo!.GetLeftPart(UriPartial.Path));
        Assert.Equal("request_not_supported", outcome["error"]);
    }

    [Fact]
    public async Task OidccRefreshToken_Refreshes_AndIsBoundToTheClientItWasIssuedTo()
    {
        var client = fixture.Client();
        var (tokens, idToken) = await client.CodeFlowAsync(UserName, scope: "openid offline_access");
        Assert.NotNull(tokens.RefreshToken);

        var other = await client.RefreshAsync(tokens.RefreshToken!, ConformanceFixture.SecondClientId, ConformanceFixture.SecondSecret);
        Assert.Equal("invalid_grant", other.Error);

        var refreshed = await client.RefreshAsync(tokens.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Error);
        Assert.Equal(idToken.Subject, (await client.ValidateIdTokenAsync(refreshed.IdentityToken!, nonce: null)).Subject);
        Assert.False((await client.UserInfoAsync(refreshed.AccessToken!)).IsError);
    }

    [Fact]
    public async Task OidccEnsureRequestWithValidPkceSucceeds_ForAConfidentialClientThatNeedNotUseIt()
    {
        var (tokens, idToken) = await fixture.Client().CodeFlowAsync(UserName, pkce: true);

        Assert.NotNull(tokens.AccessToken);
        Assert.Equal(fixture.User.Id, idToken.Subject);
    }

    private async Task<JsonElement> UserInfoForScopeAsync(string scope)
    {
        var client = fixture.Client();
        var (tokens, _) = await client.CodeFlowAsync(UserName, scope);
        var userInfo = await client.UserInfoAsync(tokens.AccessToken!);
        Assert.False(userInfo.IsError, userInfo.Error);
        return userInfo.Json!.Value;
    }

    private static string HalfHash(string token) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(token))[..16]);

    private static string UnsignedJwt(object payload) =>
        Base64UrlEncoder.Encode("""{"alg":"none"}""") + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload)) + ".";
}
