using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The real server, on PostgreSQL, for the passkey endpoints.</summary>
public sealed class PasskeyFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Name = "passkeys";
    }
}

/// <summary>
/// What the passkey endpoints refuse, and how: whatever a browser or a script sends (malformed or oversized JSON, an
/// answer without a ceremony, a forged or replayed assertion, no anti-forgery token, a policy without passkeys), the
/// answer is a 400 problem with a plain sentence, never a server error, and nobody is signed in.
/// </summary>
public sealed class PasskeyEndpointTests(PasskeyFixture fixture) : IClassFixture<PasskeyFixture>
{
    private const string OptionsPath = "passkeys/sign-in/options";
    private const string SignInPath = "passkeys/sign-in";

    [Fact]
    public async Task WithoutTheAntiforgeryToken_OptionsAndSignIn_Are400()
    {
        using var client = fixture.Idp.CreateClient(followRedirects: false);

        using var options = await client.PostAsync(new Uri(OptionsPath, UriKind.Relative), Json("{}"));
        using var signIn = await client.PostAsync(new Uri(SignInPath, UriKind.Relative), Json(ForgedAssertion()));

        Assert.Equal(HttpStatusCode.BadRequest, options.StatusCode);
        Assert.Equal("The page has expired. Reload it and try again.", await TitleAsync(options));
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.DoesNotContain("idp.session", string.Join(';', signIn.Headers.TryGetValues("Set-Cookie", out var set) ? set : []), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"credential\": \"a string\"}")]
    [InlineData("{\"credential\": {\"id\": 5, \"rawId\": {}, \"response\": []}}")]
    public async Task MalformedJson_Is400_NotAServerError(string body)
    {
        var (client, token) = await LoginPageAsync();
        using var _ = client;
        await PostAsync(client, token, OptionsPath, "{}");

        using var response = await PostAsync(client, token, SignInPath, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(await TitleAsync(response)));
    }

    [Fact]
    public async Task AnOversizedBody_Is400()
    {
        var (client, token) = await LoginPageAsync();
        using var _ = client;

        using var response = await PostAsync(client, token, SignInPath, "{\"credential\": {\"id\": \"" + new string('a', 200_000) + "\"}}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("The browser sent something we could not read. Reload the page and try again.", await TitleAsync(response));
    }

    [Fact]
    public async Task AnAssertionWithoutACeremony_Is400()
    {
        var (client, token) = await LoginPageAsync();
        using var _ = client;

        using var response = await PostAsync(client, token, SignInPath, ForgedAssertion());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("That took too long, or the page was used twice. Try again.", await TitleAsync(response));
        Assert.Contains(await AuditAsync(), e => e.EventType == AuditEventTypes.PasskeySignInFailed && e.Reason == "no-ceremony");
    }

    [Fact]
    public async Task OptionsAskForADiscoverablePasskeyWithUserVerification_AndAForgedAssertionIsRefusedOnce_ThenTheCeremonyIsSpent()
    {
        var (client, token) = await LoginPageAsync();
        using var _ = client;

        using var options = await PostAsync(client, token, OptionsPath, "{}");
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        using (var json = JsonDocument.Parse(await options.Content.ReadAsStringAsync()))
        {
            Assert.Equal("required", json.RootElement.GetProperty("userVerification").GetString());
            Assert.Equal(0, json.RootElement.GetProperty("allowCredentials").GetArrayLength());
            Assert.Equal("localhost", json.RootElement.GetProperty("rpId").GetString());
            Assert.True(json.RootElement.GetProperty("challenge").GetString()!.Length >= 22);
        }

        using var forged = await PostAsync(client, token, SignInPath, ForgedAssertion());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("That passkey did not work. Try again, or sign in with your password.", await TitleAsync(forged));

        using var again = await PostAsync(client, token, SignInPath, ForgedAssertion());
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("That took too long, or the page was used twice. Try again.", await TitleAsync(again));
    }

    [Fact]
    public async Task ACopiedCeremonyCookie_ReplayedAfterItsUse_IsRefused()
    {
        var (client, token) = await LoginPageAsync();
        using var _ = client;
        using var options = await PostAsync(client, token, OptionsPath, "{}");
        var cookie = options.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("idp.passkey=", StringComparison.Ordinal)).Split(';')[0];

        using var first = await PostAsync(client, token, SignInPath, ForgedAssertion());
        Assert.Equal("That passkey did not work. Try again, or sign in with your password.", await TitleAsync(first));

        // The attacker kept a copy of the cookie: the server remembers the ceremony was used.
        using var replay = new HttpRequestMessage(HttpMethod.Post, new Uri(SignInPath, UriKind.Relative)) { Content = Json(ForgedAssertion()) };
        replay.Headers.Add("RequestVerificationToken", token);
        replay.Headers.Add("Cookie", cookie);
        using var replayed = await client.SendAsync(replay);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("That took too long, or the page was used twice. Try again.", await TitleAsync(replayed));
    }

    [Fact]
    public async Task WhenThePolicyDoesNotAllowPasskeys_PasswordlessSignInIsRefused()
    {
        await SetMethodsAsync([SignInMethod.AuthenticatorApp, SignInMethod.BackupCode]);
        try
        {
            var (client, token) = await LoginPageAsync();
            using var _ = client;

            using var options = await PostAsync(client, token, OptionsPath, "{}");
            using var signIn = await PostAsync(client, token, SignInPath, ForgedAssertion());

            Assert.Equal(HttpStatusCode.BadRequest, options.StatusCode);
            Assert.Equal("Signing in with a passkey is not available. Sign in with your password.", await TitleAsync(options));
            Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
            Assert.Equal("Signing in with a passkey is not available. Sign in with your password.", await TitleAsync(signIn));
        }
        finally
        {
            await SetMethodsAsync([SignInMethod.Passkey, SignInMethod.AuthenticatorApp, SignInMethod.MobileText, SignInMethod.MobileCall, SignInMethod.BackupCode]);
        }
    }

    [Fact]
    public async Task RegistrationHandlers_RefuseMalformedJsonAndAnAnswerWithoutACeremony()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var client = fixture.Idp.CreateClient();
        await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
        using var page = await client.GetAsync(new Uri("Account/SecurityInfo/Passkeys", UriKind.Relative));
        var token = TokenIn(await page.Content.ReadAsStringAsync());

        using var tooLong = await PostAsync(client, token, "Account/SecurityInfo/Passkeys?handler=Options", JsonSerializer.Serialize(new { name = new string('x', 101) }));
        using var malformed = await PostAsync(client, token, "Account/SecurityInfo/Passkeys?handler=Register", "{ nope");
        using var noCeremony = await PostAsync(client, token, "Account/SecurityInfo/Passkeys?handler=Register", ForgedAssertion());
        using var noToken = await client.PostAsync(new Uri("Account/SecurityInfo/Passkeys?handler=Options", UriKind.Relative), Json("{\"name\":\"x\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("The name is too long: use at most 100 characters.", await TitleAsync(tooLong));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noCeremony.StatusCode);
        Assert.Equal("That took too long, or the page was used twice. Try again.", await TitleAsync(noCeremony));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        await using var scope = fixture.Idp.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<IdentityProvider.SelfService.Passkeys.PasskeyCredential>().AnyAsync(p => p.UserId == user.Id));
    }

    private async Task<(HttpClient Client, string Token)> LoginPageAsync()
    {
        var client = fixture.Idp.CreateClient(followRedirects: false);
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        return (client, TokenIn(await page.Content.ReadAsStringAsync()));
    }

    private static string TokenIn(string html) =>
        HtmlForms.Parse(html).QuerySelector("#passkey-sign-in-form input[name='__RequestVerificationToken'], input[name='__RequestVerificationToken']")!.GetAttribute("value")!;

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string token, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = Json(body) };
        request.Headers.Add("RequestVerificationToken", token);
        return await client.SendAsync(request);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string?> TitleAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("title", out var title) ? title.GetString() : null;
    }

    /// <summary>An assertion of the right shape whose bytes no authenticator made.</summary>
    private static string ForgedAssertion()
    {
        static string B64(int length) => Convert.ToBase64String(Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var clientData = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"type\":\"webauthn.get\",\"challenge\":\"AAAA\",\"origin\":\"http://localhost\"}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return JsonSerializer.Serialize(new
        {
            returnUrl = "/",
            credential = new
            {
                id = B64(32),
                rawId = B64(32),
                type = "public-key",
                response = new { authenticatorData = B64(37), clientDataJSON = clientData, signature = B64(70), userHandle = B64(16) },
                clientExtensionResults = new { },
            },
        });
    }

    private async Task<List<AuditEvent>> AuditAsync()
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>().AsNoTracking().ToListAsync();
    }

    private async Task SetMethodsAsync(List<SignInMethod> methods)
    {
        await using var scope = fixture.Idp.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<StoredPolicy<MultiFactorPolicySettings>>();
        await store.GetAsync();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var row = await db.Set<MultiFactorPolicySettings>().SingleAsync();
        row.Methods = methods;
        await db.SaveChangesAsync();
        store.Invalidate();
    }
}
