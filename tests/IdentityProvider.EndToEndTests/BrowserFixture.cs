using IdentityProvider.EndToEndTests;
using IdentityProvider.Testing;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(BrowserFixture))]

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Headless Chromium driven by Playwright, and the identity provider on a real port with the demo organisation,
/// on PostgreSQL, with a throwaway OpenLDAP connected as an on-premises directory. Chromium comes from the system (Debian's <c>chromium</c> package); Playwright's own download is not used.
/// </summary>
public sealed class BrowserFixture : TestServerFixture
{
    public const string ChromiumVariable = "IDP_CHROMIUM";

    private IPlaywright? playwright;
    private string executable = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static string ArtifactsDirectory { get; } = Path.Combine(SourceTree.Root, "TestResults", "screenshots");

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Idp.BaseAddress.ToString(), Locale = "en-GB" });
        return await context.NewPageAsync();
    }

    protected override void Configure(TestServerOptions server)
    {
        executable = Environment.GetEnvironmentVariable(ChromiumVariable) ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {executable}. Install it (Debian: `apt-get install chromium`) " +
                $"or set {ChromiumVariable} to a Chromium or Chrome executable. The README's test command installs it for you.");
        }

        server.Name = "e2e";
        server.RelyingParty = true;
        server.Directory = true;
        server.Settings["Demo:Seed"] = "true";
        server.Settings["Demo:EnableDemoPage"] = "true";
    }

    protected override async Task StartedAsync()
    {
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

    protected override async ValueTask DisposeAsyncCore()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        await base.DisposeAsyncCore();
        await PostgresServer.StopSharedAsync();
    }
}
