using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.WebUtilities;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Requests that must be refused, each as the OAuth 2.0 and OpenID Connect specifications say.</summary>
public sealed class ProtocolRejectionTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private const string PublicClientId = "test-public";

    private static readonly Uri PublicRedirect = new("http://127.0.0.1:1/callback");

    private IdentityProviderHost Idp => fixture.Idp;

    private string TokenEndpoint => new Uri(Idp.BaseAddress, "connect/token").ToString();

    [Fact]
    public async Task WrongPkceVerifier_IsRejectedWithInvalidGrant()
    {
        var (client, _) = await SignedInAsync();
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await client.GetCodeAsync(PublicClientId, PublicRedirect, challenge);

        var response = await RedeemAsync(code, AuthorizationCodeClient.NewPkce().Verifier);

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task AuthorizationCodeUsedTwice_IsRejected_AndTheTokensItGaveAreRevoked()
    {
        var (client, _) = await SignedInAsync();
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await client.GetCodeAsync(PublicClientId, PublicRedirect, challenge);

        var first = await RedeemAsync(code, verifier);
        Assert.False(first.IsError, first.Error);

        var second = await RedeemAsync(code, verifier);
        Assert.Equal("invalid_grant", second.Error);

        using var http = new HttpClient();
        var refresh = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = PublicClientId,
            RefreshToken = first.RefreshToken!,
        });
        Assert.Equal("invalid_grant", refresh.Error);

        using var userInfo = new HttpRequestMessage(HttpMethod.Get, new Uri(Idp.BaseAddress, "connect/userinfo"));
        userInfo.Headers.Authorization = new("Bearer", first.AccessToken);
        using var userInfoResponse = await http.SendAsync(userInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfoResponse.StatusCode);
    }

    [Fact]
    public async Task UnregisteredRedirectUri_GetsAnErrorPage_NeverARedirect()
    {
        var (client, _) = await SignedInAsync();
        var (_, challenge) = AuthorizationCodeClient.NewPkce();

        using var response = await client.AuthorizeAsync(AuthorizationCodeClient.Request(PublicClientId, new Uri("https://attacker.example/callback"), challenge));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("redirect_uri", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicClient_WithoutPkce_IsRefused()
    {
        var (client, _) = await SignedInAsync();

        using var response = await client.AuthorizeAsync(AuthorizationCodeClient.Request(PublicClientId, PublicRedirect, null));

        await AssertRefusedAsync(response, "invalid_request", "code_challenge");
    }

    [Fact]
    public async Task PlainCodeChallengeMethod_IsRefused()
    {
        var (client, _) = await SignedInAsync();

        using var response = await client.AuthorizeAsync(AuthorizationCodeClient.Request(PublicClientId, PublicRedirect, new string('a', 43), method: "plain"));

        await AssertRefusedAsync(response, "invalid_request", "code_challenge_method");
    }

    [Fact]
    public async Task WrongClientSecret_IsRejectedWithInvalidClient()
    {
        using var http = new HttpClient();
        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = RelyingPartyHost.ClientId,
            ClientSecret = "not-the-secret",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.HttpStatusCode);
        Assert.Equal("invalid_client", response.Json?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task PromptNone_WithoutASession_ReturnsLoginRequiredToTheClient()
    {
        // The client must exist whichever test of the class runs first.
        await EnsurePublicClientAsync();
        var client = new AuthorizationCodeClient(Idp);
        var (_, challenge) = AuthorizationCodeClient.NewPkce();

        using var response = await client.AuthorizeAsync(WithPrompt(AuthorizationCodeClient.Request(PublicClientId, PublicRedirect, challenge), "none"));

        // Once, under a full-suite load, this answered without a redirect; say what it was if it happens again.
        Assert.True(response.Headers.Location is not null, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.StartsWith(PublicRedirect.ToString(), response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("login_required", QueryHelpers.ParseQuery(response.Headers.Location.Query)["error"].ToString());
    }

    [Fact]
    public async Task LockedOutUser_GetsNoNewTokens_WhenRedeemingARefreshToken()
    {
        var (client, user) = await SignedInAsync();
        var tokens = await GetTokensAsync(client);

        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) => users.SetLockoutEndDateAsync(stored, DateTimeOffset.UtcNow.AddMinutes(10)));

        Assert.Equal("invalid_grant", (await RefreshAsync(tokens.RefreshToken!)).Error);
    }

    [Fact]
    public async Task DisabledUser_GetsNoNewTokens_WhenRedeemingARefreshToken()
    {
        var (client, user) = await SignedInAsync();
        var tokens = await GetTokensAsync(client);

        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) =>
        {
            stored.IsEnabled = false;
            return users.UpdateAsync(stored);
        });

        Assert.Equal("invalid_grant", (await RefreshAsync(tokens.RefreshToken!)).Error);
    }

    [Fact]
    public async Task ChangedSecurityStamp_StopsRefresh()
    {
        var (client, user) = await SignedInAsync();
        var tokens = await GetTokensAsync(client);
        Assert.False((await RefreshAsync(tokens.RefreshToken!)).IsError);
        tokens = await GetTokensAsync(client);

        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) => users.UpdateSecurityStampAsync(stored));

        Assert.Equal("invalid_grant", (await RefreshAsync(tokens.RefreshToken!)).Error);
    }

    [Fact]
    public async Task LockedOutUser_WithASession_IsSentBackToSignIn_InsteadOfGettingACode()
    {
        var (client, user) = await SignedInAsync();
        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) => users.SetLockoutEndDateAsync(stored, DateTimeOffset.UtcNow.AddMinutes(10)));
        var (_, challenge) = AuthorizationCodeClient.NewPkce();

        using var response = await client.AuthorizeAsync(AuthorizationCodeClient.Request(PublicClientId, PublicRedirect, challenge));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.AbsolutePath);
    }

    /// <summary>The request got no code: the error goes back to the client's valid redirect URI (RFC 6749 4.1.2.1), with its state.</summary>
    private static Task AssertRefusedAsync(HttpResponseMessage response, string error, string parameter)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(PublicRedirect.ToString(), response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(response.Headers.Location.Query);
        Assert.Equal(error, query["error"].ToString());
        Assert.Contains(parameter, query["error_description"].ToString(), StringComparison.Ordinal);
        Assert.Equal("s1", query["state"].ToString());
        Assert.False(query.ContainsKey("code"));
        return Task.CompletedTask;
    }

    private static Dictionary<string, string?> WithPrompt(Dictionary<string, string?> request, string prompt)
    {
        request["prompt"] = prompt;
        return request;
    }

    private async Task<(AuthorizationCodeClient Client, Data.ApplicationUser User)> SignedInAsync()
    {
        await EnsurePublicClientAsync();
        var user = await TestData.CreateUserAsync(Idp);
        var client = new AuthorizationCodeClient(Idp);
        await client.SignInAsync(user.UserName!, TestData.Password);
        return (client, user);
    }

    private async Task<TokenResponse> GetTokensAsync(AuthorizationCodeClient client)
    {
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await client.GetCodeAsync(PublicClientId, PublicRedirect, challenge);
        var tokens = await RedeemAsync(code, verifier);
        Assert.False(tokens.IsError, tokens.Error);
        return tokens;
    }

    private async Task<TokenResponse> RedeemAsync(string code, string verifier)
    {
        using var http = new HttpClient();
        return await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = PublicClientId,
            Code = code,
            RedirectUri = PublicRedirect.ToString(),
            CodeVerifier = verifier,
        });
    }

    private async Task<TokenResponse> RefreshAsync(string refreshToken)
    {
        using var http = new HttpClient();
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = TokenEndpoint, ClientId = PublicClientId, RefreshToken = refreshToken });
    }

    private static readonly SemaphoreSlim Once = new(1, 1);

    private async Task EnsurePublicClientAsync()
    {
        await Once.WaitAsync();
        try
        {
            await using var scope = Idp.CreateScope();
            var applications = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
            if (await applications.FindByClientIdAsync(PublicClientId) is null)
            {
                await TestData.RegisterClientAsync(Idp, PublicClientId, PublicRedirect);
            }
        }
        finally
        {
            Once.Release();
        }
    }
}
