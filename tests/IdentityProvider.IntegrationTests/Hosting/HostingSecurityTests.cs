using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Hosting;

/// <summary>The issuer, proxies, transport security and caching: what a request's headers can and cannot change.</summary>
public sealed class HostingSecurityTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AConfiguredIssuer_IsNotChangedByTheHostHeader()
    {
        using var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, ".well-known/openid-configuration");
        request.Headers.Host = "evil.example";

        using var response = await http.SendAsync(request);
        var discovery = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(Idp.BaseAddress.ToString(), discovery.GetProperty("issuer").GetString());
        Assert.DoesNotContain("evil.example", discovery.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnUnlistedAddress_AreIgnored_AndFromAListedProxy_Used()
    {
        // Only 192.0.2.10 is a trusted proxy: the test's requests come from 127.0.0.1.
        var untrusted = await ClientIpAndHstsAsync(new() { ["Hosting:UseForwardedHeaders"] = "true", ["Hosting:KnownProxies:0"] = "192.0.2.10" });
        Assert.Equal("127.0.0.1", untrusted.ClientIp);
        Assert.Null(untrusted.Hsts);

        // The same requests from a listed proxy: the client IP and scheme it forwards count (and HTTPS brings HSTS).
        var trusted = await ClientIpAndHstsAsync(new() { ["Hosting:UseForwardedHeaders"] = "true", ["Hosting:KnownProxies:0"] = "127.0.0.1" });
        Assert.Equal("203.0.113.7", trusted.ClientIp);
        Assert.Equal("max-age=31536000; includeSubDomains", trusted.Hsts);
    }

    [Fact]
    public async Task Hsts_SubdomainsCanBeLeftOut_ByConfiguration()
    {
        var result = await ClientIpAndHstsAsync(new()
        {
            ["Hosting:UseForwardedHeaders"] = "true", ["Hosting:Hsts:IncludeSubDomains"] = "false", ["Hosting:Hsts:MaxAge"] = "180.00:00:00",
        });

        Assert.Equal("max-age=15552000", result.Hsts);
    }

    [Fact]
    public async Task EveryEndpointOfTheRouteTable_AnswersNoStore_ToVisitorsStaffAndApiCallers()
    {
        var target = await TestData.CreateUserAsync(Idp);
        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using var _ = admin;
        using var anonymous = Idp.CreateClient(followRedirects: false);
        using var staff = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = admin.Cookies }) { BaseAddress = Idp.BaseAddress };
        using var api = await AdminApiClient.CreateAsync(Idp, [.. IdentityProvider.Admin.AdminApi.Scopes]);

        var endpoints = Idp.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count > 60, $"The route table has only {endpoints.Count} endpoints: is it the app's?");
        var failures = new List<string>();
        var visited = 0;
        foreach (var endpoint in endpoints)
        {
            var path = Fill(endpoint.RoutePattern, target.Id);
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods && !methods.Contains(HttpMethods.Get)
                ? methods[0]
                : HttpMethods.Get;
            foreach (var (who, client) in new[] { ("visitor", anonymous), ("administrator", staff), ("api", api) })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method != HttpMethods.Get)
                {
                    // An empty object where one is expected; policies get a body they refuse, so nothing is replaced.
                    request.Content = new StringContent(path.Contains("/policies/", StringComparison.Ordinal) ? "[]" : "{}", Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                visited++;
                if (response.Headers.CacheControl?.NoStore != true)
                {
                    failures.Add($"{method} {path} as {who}: {(int)response.StatusCode}, Cache-Control: {response.Headers.CacheControl}");
                }
            }
        }

        // What OpenIddict answers itself (not in the route table): tokens and introspection.
        using var tokenClient = new HttpClient { BaseAddress = Idp.BaseAddress };
        await TestData.RegisterServiceClientAsync(Idp, "no-store-check", "cs_no-store-check-secret", "admin.audit");
        using var token = await tokenClient.PostAsync(new Uri("connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "no-store-check", ["client_secret"] = "cs_no-store-check-secret", ["scope"] = "admin.audit",
        }));
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        using var introspection = await tokenClient.PostAsync(new Uri("connect/introspect", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken, ["client_id"] = "no-store-check", ["client_secret"] = "cs_no-store-check-secret",
        }));
        Assert.Equal(HttpStatusCode.OK, introspection.StatusCode);
        foreach (var (name, response) in new[] { ("token", token), ("introspection", introspection) })
        {
            if (response.Headers.CacheControl?.NoStore != true)
            {
                failures.Add($"{name}: Cache-Control: {response.Headers.CacheControl}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {visited} responses may be stored:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task StaticFiles_StayCacheable()
    {
        using var http = Idp.CreateClient();
        using var css = await http.GetAsync(new Uri("css/site.css", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.True(css.Headers.CacheControl?.NoCache);
        Assert.False(css.Headers.CacheControl?.NoStore);

        // The admin API's browsable documentation is static too: revalidated, not "private" (it holds nothing personal).
        using var docs = await http.GetAsync(new Uri("api/docs/index.html", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("no-cache", docs.Headers.CacheControl?.ToString());
    }

    /// <summary>A path for the route pattern with sample values (the target user's id for <c>{id}</c>).</summary>
    private static string Fill(RoutePattern pattern, string userId)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart { Name: "documentName" } => "v1",
                    RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content == "guid") => Guid.NewGuid().ToString(),
                    RoutePatternParameterPart { Name: "id" } => userId,
                    RoutePatternParameterPart parameter => "sample-" + parameter.Name,
                    _ => string.Empty,
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    /// <summary>
    /// Starts a node with <paramref name="settings"/> and, through it, answers a CAPTCHA wrongly with
    /// <c>X-Forwarded-For: 203.0.113.7</c>, then fetches a page for the host <c>id.example.org</c> with
    /// <c>X-Forwarded-Proto: https</c>. Returns the client IP the audit event recorded and the HSTS header of the page.
    /// </summary>
    private static async Task<(string? ClientIp, string? Hsts)> ClientIpAndHstsAsync(Dictionary<string, string?> settings)
    {
        settings["SelfService:Scope"] = "All";
        var database = await TestDatabase.CreateAsync("forwarded");
        await using var node = await IdentityProviderHost.StartAsync(database, settings);
        using var browser = new RecoveryBrowser(node);
        browser.Client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        await browser.OpenAsync("recover?captcha=question");
        await browser.SubmitAsync(new() { ["Input.UserId"] = "someone", ["Input.CaptchaAnswer"] = "999" });

        using var request = new HttpRequestMessage(HttpMethod.Get, "Account/Login");
        request.Headers.Host = "id.example.org";
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var page = await browser.Client.SendAsync(request);
        var hsts = page.Headers.TryGetValues("Strict-Transport-Security", out var values) ? values.Single() : null;

        await using var scope = node.CreateScope();
        var failed = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>()
            .SingleAsync(e => e.EventType == AuditEventTypes.RecoveryCaptchaFailed);
        return (failed.ClientIp, hsts);
    }
}
