using System.Net;
using IdentityProvider.Admin.Clients;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>
/// CORS for browser apps: the origin of a public app's redirect URI, and origins an administrator listed for an app,
/// may call discovery, the key set, token, userinfo and revocation from script; no other origin, no other path.
/// </summary>
public sealed class CorsTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private const string SpaOrigin = "http://127.0.0.1:4455";
    private const string ListedOrigin = "https://partner.example";

    public static TheoryData<string, string> BrowserEndpoints => new()
    {
        { ".well-known/openid-configuration", "GET" },
        { ".well-known/jwks", "GET" },
        { "connect/token", "POST" },
        { "connect/userinfo", "GET" },
        { "connect/revoke", "POST" },
    };

    [Theory]
    [MemberData(nameof(BrowserEndpoints))]
    public async Task APublicAppsRedirectOrigin_PassesThePreflight_OnEachBrowserEndpoint(string path, string method)
    {
        await EnsureAppsAsync();

        using var response = await PreflightAsync(path, SpaOrigin, method);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("authorization", Header(response, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task AnOriginListedForAnApp_MayReadDiscovery_AndTokenErrors()
    {
        await EnsureAppsAsync();
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };

        using var discovery = await SendAsync(http, HttpMethod.Get, ".well-known/openid-configuration", ListedOrigin);
        using var token = await SendAsync(http, HttpMethod.Post, "connect/token", ListedOrigin, new FormUrlEncodedContent([new("grant_type", "authorization_code")]));

        Assert.Equal(ListedOrigin, Header(discovery, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.BadRequest, token.StatusCode);
        Assert.Equal(ListedOrigin, Header(token, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData(".well-known/openid-configuration")]
    [InlineData(".well-known/jwks")]
    public async Task TheKeptDocuments_GetCorsHeadersForEachRequestsOwnOrigin(string path)
    {
        await EnsureAppsAsync();
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };

        // The first request, from a page elsewhere, fills the server's copy; the others are served from it.
        using var other = await SendAsync(http, HttpMethod.Get, path, "https://evil.example");
        using var listed = await SendAsync(http, HttpMethod.Get, path, ListedOrigin);
        using var otherAgain = await SendAsync(http, HttpMethod.Get, path, "https://evil.example");

        Assert.All([other, listed, otherAgain], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
        Assert.Equal(ListedOrigin, Header(listed, "Access-Control-Allow-Origin"));
        Assert.Null(Header(otherAgain, "Access-Control-Allow-Origin"));
        Assert.All([other, listed, otherAgain], r => Assert.Contains("Origin", r.Headers.Vary));
    }

    [Theory]
    [MemberData(nameof(BrowserEndpoints))]
    public async Task AnyOtherOrigin_GetsNoCorsHeaders(string path, string method)
    {
        await EnsureAppsAsync();

        using var preflight = await PreflightAsync(path, "https://evil.example", method);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("connect/authorize")]
    [InlineData("connect/endsession")]
    [InlineData("connect/introspect")]
    [InlineData("api/v1/users")]
    [InlineData("Account/Login")]
    public async Task OtherPaths_GetNoCorsHeaders_EvenForAnAllowedOrigin(string path)
    {
        await EnsureAppsAsync();
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };

        using var preflight = await PreflightAsync(path, SpaOrigin, "POST");
        using var get = await SendAsync(http, HttpMethod.Get, path, SpaOrigin);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(get, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AnOriginAddedByAnAdministrator_IsAllowedAtOnce()
    {
        await EnsureAppsAsync();
        const string added = "https://late.example";
        using (var before = await PreflightAsync("connect/token", added, "POST"))
        {
            Assert.Null(Header(before, "Access-Control-Allow-Origin"));
        }

        await using (var scope = fixture.Idp.CreateScope())
        {
            var clients = scope.ServiceProvider.GetRequiredService<AdminClients>();
            var app = (await clients.GetAsync("cors-partner"))!;
            app.AllowedOrigins.Add(added);
            Assert.Null(await clients.UpdateAsync("test", "cors-partner", app));
        }

        using var after = await PreflightAsync("connect/token", added, "POST");
        Assert.Equal(added, Header(after, "Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin, string method)
    {
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string origin, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Origin", origin);
        return await http.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static readonly SemaphoreSlim Once = new(1, 1);

    private async Task EnsureAppsAsync()
    {
        await Once.WaitAsync();
        try
        {
            await using var scope = fixture.Idp.CreateScope();
            var clients = scope.ServiceProvider.GetRequiredService<AdminClients>();
            if (await clients.GetAsync("cors-spa") is null)
            {
                Assert.Null((await clients.CreateAsync("test", new ClientInput { ClientId = "cors-spa", Type = "public", RedirectUris = [SpaOrigin + "/callback"] })).Errors);
                Assert.Null((await clients.CreateAsync("test", new ClientInput
                {
                    ClientId = "cors-partner", Type = "confidential", RedirectUris = ["https://partner-server.example/callback"], AllowedOrigins = [ListedOrigin],
                })).Errors);
            }
        }
        finally
        {
            Once.Release();
        }
    }
}
