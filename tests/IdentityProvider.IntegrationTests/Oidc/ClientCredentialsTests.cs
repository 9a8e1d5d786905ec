using System.IdentityModel.Tokens.Jwt;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Machine-to-machine access with client credentials, as an automation client would use it.</summary>
public sealed class ClientCredentialsTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task ServiceClient_GetsAnAccessTokenForItsApi_WithAudienceAndScope()
    {
        await TestData.RegisterApiScopeAsync(Idp, "reports", "reports-api");
        await TestData.RegisterServiceClientAsync(Idp, "svc-ok", "svc-ok-secret-0123456789", "reports");
        using var http = new HttpClient();

        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
            ClientId = "svc-ok",
            ClientSecret = "svc-ok-secret-0123456789",
            Scope = "reports",
        });

        Assert.False(response.IsError, response.Error);
        Assert.Null(response.RefreshToken);
        var jwt = new JwtSecurityTokenHandler().ReadJwtToken(response.AccessToken);
        Assert.Equal("svc-ok", jwt.Subject);
        Assert.Contains("reports-api", jwt.Audiences);
        Assert.Equal("reports", jwt.Claims.Single(c => c.Type == "scope").Value);
    }

    [Fact]
    public async Task ServiceClient_AskingForAScopeItWasNotGranted_IsRefused()
    {
        await TestData.RegisterApiScopeAsync(Idp, "billing", "billing-api");
        await TestData.RegisterServiceClientAsync(Idp, "svc-limited", "svc-limited-secret-0123", "reports");
        using var http = new HttpClient();

        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
            ClientId = "svc-limited",
            ClientSecret = "svc-limited-secret-0123",
            Scope = "billing",
        });

        // OpenIddict answers invalid_request (not invalid_scope) for a scope the client holds no permission for.
        Assert.Equal("invalid_request", response.Error);
        Assert.Contains("scope", response.ErrorDescription, StringComparison.Ordinal);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task PublicClient_CannotUseClientCredentials()
    {
        await TestData.RegisterClientAsync(Idp, "public-no-cc", new Uri("http://127.0.0.1:1/cb"));
        using var http = new HttpClient();

        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
            ClientId = "public-no-cc",
        });

        Assert.True(response.IsError);
        Assert.Null(response.AccessToken);
    }
}
