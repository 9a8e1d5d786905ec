using IdentityProvider.EndToEndTests;
using IdentityProvider.Testing;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(BrowserFixture))]

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Headless Chromium driven by Playwright, and the identity provider on a real port with the demo organisation,
/// on PostgreSQL. Chromium comes from the system (Debian's <c>chromium</c> package); Playwright's own download is not used.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "IDP_CHROMIUM";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public IdentityProviderHost Idp { get; private set; } = null!;

    /// <summary>A relying web app (ASP.NET Core's OpenID Connect handler) registered as a client.</summary>
    public RelyingPartyHost Rp { get; private set; } = null!;

    public static string ArtifactsDirectory { get; } = Path.Combine(SourceTree.Root, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable(ChromiumVariable) ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {executable}. Install it (Debian: `apt-get install chromium`) " +
                $"or set {ChromiumVariable} to a Chromium or Chrome executable. The README's test command installs it for you.");
        }

        var connectionString = await TestDatabase.CreateAsync("e2e");
        Idp = await IdentityProviderHost.StartAsync(connectionString, new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "true",
            ["Demo:EnableDemoPage"] = "true",
        });

        var rpAddress = RelyingPartyHost.ReserveAddress();
        await TestData.RegisterClientAsync(Idp, RelyingPartyHost.ClientId, new Uri(rpAddress, "signin-oidc"), new Uri(rpAddress, "signout-callback-oidc"),
            RelyingPartyHost.ClientSecret, OpenIddict.Abstractions.OpenIddictConstants.ConsentTypes.Implicit, new Uri(rpAddress, "password-changed"));
        Rp = await RelyingPartyHost.StartAsync(Idp.BaseAddress, rpAddress);

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
        Directory.CreateDirectory(ArtifactsDirectory);
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Idp.BaseAddress.ToString(), Locale = "en-GB" });
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (Rp is not null)
        {
            await Rp.DisposeAsync();
        }

        if (Idp is not null)
        {
            await Idp.DisposeAsync();
        }

        await PostgresServer.StopSharedAsync();
    }
}
