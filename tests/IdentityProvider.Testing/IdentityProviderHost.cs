using System.Net;
using IdentityProvider.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IdentityProvider.Testing;

/// <summary>
/// The real identity provider on a real loopback port (Kestrel), configured like production except for
/// plain HTTP: PostgreSQL, key files, no automatic migration (the test database is cloned from a migrated template).
/// Over plain HTTP, clients (HttpClient's cookie container, browsers on http://localhost) do not send <c>Secure</c>
/// cookies back, so the host turns <c>Hosting:SecureCookies</c> off; the production default has its own test.
/// </summary>
public sealed class IdentityProviderHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private bool serving = true;
    private int disposed;

    private IdentityProviderHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's origin with a trailing slash, e.g. <c>http://localhost:5123/</c>.</summary>
    public Uri BaseAddress { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<IdentityProviderHost> StartAsync(
        string connectionString,
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        string environment = "Testing",
        string host = "localhost")
    {
        var port = Ports.Free();
        var baseAddress = new Uri($"http://{host}:{port}/");
        var all = TestSettings(connectionString, baseAddress, environment);
        all["urls"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var args = all.Where(p => p.Value is not null).Select(p => $"--{p.Key}={p.Value}").ToArray();
        var app = IdentityProviderApplication.Build(args, configure);
        await app.PrepareAsync();
        await app.StartAsync();
        return new IdentityProviderHost(app, baseAddress);
    }

    /// <summary>
    /// The test defaults every server gets (a node in this process or a server process): the database, the issuer
    /// <paramref name="baseAddress"/>, plain HTTP, the test keys, the dev mailbox, no secure cookies.
    /// </summary>
    public static Dictionary<string, string?> TestSettings(string connectionString, Uri baseAddress, string environment = "Testing")
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        return new Dictionary<string, string?>
        {
            ["environment"] = environment,
            ["contentRoot"] = SourceTree.ProjectDirectory,
            ["ConnectionStrings:PostgreSql"] = connectionString,
            ["Oidc:Issuer"] = baseAddress.ToString(),
            ["Oidc:AllowInsecureHttp"] = "true",
            ["Oidc:Keys:SigningKeyPath"] = TestKeys.SigningKeyPath,
            ["Oidc:Keys:EncryptionKeyPath"] = TestKeys.EncryptionKeyPath,
            ["Demo:PublicOrigin"] = baseAddress.GetLeftPart(UriPartial.Authority),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Messaging:UseDevMailbox"] = "true",
            ["Hosting:SecureCookies"] = "false",
        };
    }

    /// <summary>
    /// The server's services on <paramref name="settings"/> without serving anything (no port, no background services):
    /// for test data in the database of servers that run elsewhere, e.g. server processes behind a load balancer at
    /// <see cref="BaseAddress"/> = <paramref name="baseAddress"/>, where the clients it creates go.
    /// </summary>
    public static IdentityProviderHost ServicesOnly(Uri baseAddress, IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var app = IdentityProviderApplication.Build([.. settings.Where(p => p.Value is not null).Select(p => $"--{p.Key}={p.Value}")]);
        return new IdentityProviderHost(app, baseAddress) { serving = false };
    }

    /// <summary>A browser-like client: keeps cookies, follows redirects unless told not to.</summary>
    public HttpClient CreateClient(bool followRedirects = true, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = followRedirects, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = BaseAddress,
        };

    public AsyncServiceScope CreateScope() => app.Services.CreateAsyncScope();

    /// <summary>Stops the server; a second call does nothing (a benchmark stops it before its database server).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (serving)
        {
            await app.StopAsync();
        }

        await app.DisposeAsync();
    }
}
