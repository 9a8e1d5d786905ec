using System.Net.Http.Headers;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>An automation client of the admin API: a confidential app with client credentials and the given scopes.</summary>
internal static class AdminApiClient
{
    /// <summary>Registers a new service client with <paramref name="scopes"/>, gets its token and returns an HTTP client that sends it.</summary>
    public static async Task<HttpClient> CreateAsync(IdentityProviderHost idp, params string[] scopes)
    {
        var clientId = "automation-" + Guid.NewGuid().ToString("N")[..8];
        await TestData.RegisterServiceClientAsync(idp, clientId, "cs_" + clientId + "-secret", scopes);
        using var tokens = new HttpClient();
        var token = await tokens.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(idp.BaseAddress, "connect/token").ToString(),
            ClientId = clientId,
            ClientSecret = "cs_" + clientId + "-secret",
            Scope = string.Join(' ', scopes),
        });
        if (token.IsError)
        {
            throw new InvalidOperationException("No token for the admin API: " + token.Error);
        }

        var http = new HttpClient { BaseAddress = idp.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return http;
    }
}
