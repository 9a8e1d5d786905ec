using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Access tokens travel in the Authorization header (or, for userinfo, a form body), never in the address (RFC 6750 section 2).</summary>
public sealed class BearerTokenPlacementTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task UserInfo_RefusesAnAccessTokenInTheQueryString()
    {
        var accessToken = await UserAccessTokenAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(fixture.Idp.BaseAddress, "connect/userinfo?access_token=" + Uri.EscapeDataString(accessToken)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_RefusesATokenSentTwice_InTheHeaderAndTheBody()
    {
        var accessToken = await UserAccessTokenAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Idp.BaseAddress, "connect/userinfo"))
        {
            Content = new FormUrlEncodedContent([new("access_token", accessToken)]),
        };
        request.Headers.Authorization = new("Bearer", accessToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AdminApi_RefusesAnAccessTokenInTheQueryString_AndAcceptsItInTheHeader()
    {
        await TestData.RegisterServiceClientAsync(fixture.Idp, "placement-ops", "cs_placement-ops-secret", "admin.users");
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(fixture.Idp.BaseAddress, "connect/token").ToString(), ClientId = "placement-ops", ClientSecret = "cs_placement-ops-secret", Scope = "admin.users",
        });

        using var inQuery = await http.GetAsync(new Uri("api/v1/users?access_token=" + Uri.EscapeDataString(token.AccessToken!), UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, inQuery.StatusCode);
        Assert.Contains("Authorization header", (await inQuery.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        http.SetBearerToken(token.AccessToken!);
        using var inHeader = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, inHeader.StatusCode);
    }

    private async Task<string> UserAccessTokenAsync()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var (tokens, _) = await fixture.Client().CodeFlowAsync(user.UserName);
        return tokens.AccessToken!;
    }
}
