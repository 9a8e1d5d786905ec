using System.Net.Http.Headers;
using Duende.IdentityModel.Client;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>The recovery fixture's server on a database of its own, with helpers for staff browsers and API clients.</summary>
public sealed class ResilienceFixture : RecoveryFixture
{
    protected override string Name => "resilience";

    /// <summary>A signed-in member of <paramref name="role"/> past the admin step-up (a code from their authenticator app).</summary>
    public async Task<RecoveryBrowser> StaffAsync(string role = "Administrator")
    {
        var staff = await RecoveryData.CreateUserAsync(Idp, role: role, authenticator: true);
        var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, staff.UserName!, TestData.Password);
        await browser.OpenAsync("admin/verify");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        return browser;
    }

    /// <summary>An API client with a client-credentials token holding <paramref name="scope"/>.</summary>
    public async Task<HttpClient> ApiAsync(string scope)
    {
        var clientId = "automation-" + Guid.NewGuid().ToString("N")[..8];
        var secret = "cs_" + clientId + "-secret";
        await TestData.RegisterServiceClientAsync(Idp, clientId, secret, scope);
        using var tokens = new HttpClient();
        var token = await tokens.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
            ClientId = clientId,
            ClientSecret = secret,
            Scope = scope,
        });
        Assert.False(token.IsError, token.Error);
        var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return http;
    }
}
