using System.Net;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Hosting;

/// <summary>
/// The production default for cookies, over plain HTTP (as behind a proxy that terminates TLS without forwarding the
/// scheme): every cookie is <c>Secure</c> and carries the prefix browsers enforce. The client here keeps cookies by hand,
/// because a cookie container, like a browser, would not send <c>Secure</c> cookies back over HTTP.
/// </summary>
public sealed class SecureCookieTests
{
    [Fact]
    public async Task Production_OverPlainHttp_SetsSecureOnEveryCookie_WithTheHostOrSecurePrefix()
    {
        var database = await TestDatabase.CreateAsync("securecookies");
        await using var idp = await IdentityProviderHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["Hosting:SecureCookies"] = null,
            ["Oidc:AllowInsecureHttp"] = null,
            ["Oidc:Issuer"] = "https://id.example.org/",
            ["DataProtection:AllowUnprotectedKeyRing"] = "true",
            ["Messaging:UseDevMailbox"] = null,
            ["Messaging:DispatcherEnabled"] = "false",
            ["SelfService:Scope"] = "All",
        }, environment: "Production");
        await using (var scope = idp.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>().CreateAsync(new IdentityRole("Administrator"));
        }

        var jar = new CookieJar();
        using var http = new HttpClient(jar) { BaseAddress = idp.BaseAddress };
        var admin = await RecoveryData.CreateUserAsync(idp, role: "Administrator", authenticator: true);
        var temporary = await RecoveryData.CreateUserAsync(idp, u => u.MustChangePassword = true);

        // Sign-in: antiforgery, session, familiar device.
        await PostFormAsync(http, "Account/Login", new() { ["Input.UserName"] = admin.UserName!, ["Input.Password"] = TestData.Password });
        // The second factor staff always prove (the pending cookie until then; it passes the admin step-up too) and
        // TempData (a new user's password shown once).
        await PostFormAsync(http, "Account/SecondFactor?returnUrl=%2Fadmin", new() { ["Code"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        var created = await PostFormAsync(http, "admin/users/new", new() { ["Input.UserName"] = "cookie" + Guid.NewGuid().ToString("N")[..8], ["Input.Email"] = $"c{Guid.NewGuid():N}@example.org" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        // A pending forced change, and a recovery journey (path /recover).
        jar.Clear();
        await PostFormAsync(http, "Account/Login", new() { ["Input.UserName"] = temporary.UserName!, ["Input.Password"] = TestData.Password });
        using var start = await http.GetAsync(new Uri("recover?captcha=question", UriKind.Relative));
        var question = HtmlForms.Parse(await start.Content.ReadAsStringAsync()).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        await PostFormAsync(http, "recover?captcha=question", new() { ["Input.UserId"] = "someone-unknown", ["Input.CaptchaAnswer"] = RecoveryData.AnswerCaptchaQuestion(question) }, start);

        var names = jar.Seen.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "__Host-idp.antiforgery", "__Host-idp.session", "__Host-idp.device", "__Host-idp.pending", "__Host-idp.pending-mfa",
                "__Host-idp.tempdata", "__Secure-idp.recovery",
            },
            names);
        Assert.All(jar.Seen, cookie =>
        {
            Assert.True(cookie.Attributes.Contains("secure"), $"{cookie.Name} is not Secure: {cookie.Header}");
            if (cookie.Name.StartsWith("__Host-", StringComparison.Ordinal))
            {
                Assert.True(cookie.Attributes.Contains("path=/") && !cookie.Attributes.Any(a => a.StartsWith("domain=", StringComparison.Ordinal)), cookie.Header);
            }
            else
            {
                Assert.StartsWith("__Secure-", cookie.Name, StringComparison.Ordinal);
            }
        });
    }

    /// <summary>Opens the form page (or uses <paramref name="page"/>), posts it with <paramref name="values"/>, does not follow the answer.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient http, string path, Dictionary<string, string> values, HttpResponseMessage? page = null)
    {
        using var opened = page is null ? await http.GetAsync(new Uri(path, UriKind.Relative)) : null;
        var form = opened ?? page!;
        return await HtmlForms.SubmitAsync(http, form, values, "main form");
    }

    /// <summary>Keeps every cookie the server sets and sends them all back, whatever their flags; records each Set-Cookie.</summary>
    private sealed class CookieJar() : DelegatingHandler(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

        public List<SetCookie> Seen { get; } = [];

        public void Clear() => values.Clear();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (values.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", values.Select(v => $"{v.Key}={v.Value}")));
            }

            var response = await base.SendAsync(request, cancellationToken);
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var headers) ? headers : [])
            {
                var parts = header.Split(';', StringSplitOptions.TrimEntries);
                var (name, value) = (parts[0][..parts[0].IndexOf('=', StringComparison.Ordinal)], parts[0][(parts[0].IndexOf('=', StringComparison.Ordinal) + 1)..]);
                Seen.Add(new SetCookie(name, header, [.. parts.Skip(1).Select(p => p.ToLowerInvariant())]));
                if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    values.Remove(name);
                }
                else
                {
                    values[name] = value;
                }
            }

            return response;
        }
    }

    private sealed record SetCookie(string Name, string Header, IReadOnlyList<string> Attributes);
}
