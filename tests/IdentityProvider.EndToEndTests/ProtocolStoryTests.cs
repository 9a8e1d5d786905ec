using IdentityProvider.Admin.Clients;
using IdentityProvider.EndToEndTests.Pages;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Browser apps on their own origin, and the form_post response mode, in Chromium against the real server with its
/// real Content-Security-Policy.
/// </summary>
[Collection(DemoOrganisation.Collection)]
public sealed class ProtocolStoryTests(BrowserFixture fixture) : IAsyncLifetime
{
    private const string ClientId = "e2e-spa";
    private static readonly SemaphoreSlim Registration = new(1, 1);
    private static Uri? origin;
    private SpaHost spa = null!;

    public async ValueTask InitializeAsync()
    {
        await Registration.WaitAsync();
        try
        {
            if (origin is null)
            {
                // Registered the way an administrator does, so that its origin is allowed at once (CORS).
                origin = SpaHost.ReserveOrigin();
                await using var scope = fixture.Idp.CreateScope();
                var (errors, _) = await scope.ServiceProvider.GetRequiredService<AdminClients>().CreateAsync("test", new ClientInput
                {
                    ClientId = ClientId,
                    Type = "public",
                    RedirectUris = [new Uri(origin, "callback.html").ToString(), new Uri(origin, "form-post-callback").ToString()],
                    PostLogoutRedirectUris = [new Uri(origin, "index.html").ToString()],
                    Scopes = ["profile", "offline_access"],
                });
                Assert.Null(errors);
            }
        }
        finally
        {
            Registration.Release();
        }

        spa = await SpaHost.StartAsync(origin, fixture.Idp.BaseAddress, ClientId);
    }

    public ValueTask DisposeAsync() => spa.DisposeAsync();

    [Fact]
    public async Task ASinglePageAppOnAnotherOrigin_SignsInRefreshesReadsUserInfoAndSignsOut_WithOidcClientTs()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(spa.Origin, "index.html").ToString());
        var status = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToHaveTextAsync("Signed out");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var userInfo = page.WaitForResponseAsync(r => r.Url.EndsWith("/connect/userinfo", StringComparison.Ordinal));
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(status).ToHaveTextAsync($"Signed in as {user.GivenName} {user.FamilyName}", new() { Timeout = 15_000 });
        Assert.Equal(200, (await userInfo).Status);
        Assert.Equal(spa.Origin.GetLeftPart(UriPartial.Authority), (await userInfo).Headers["access-control-allow-origin"]);

        var refreshed = page.WaitForResponseAsync(r => r.Url.EndsWith("/connect/token", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh tokens" }).ClickAsync();
        await Assertions.Expect(page.Locator("#details")).ToHaveTextAsync("Tokens refreshed");
        Assert.Equal(200, (await refreshed).Status);

        var revoked = page.WaitForResponseAsync(r => r.Url.EndsWith("/connect/revoke", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        Assert.Equal(200, (await revoked).Status);
        await Assertions.Expect(status).ToHaveTextAsync("Signed out", new() { Timeout = 15_000 });
        Assert.StartsWith(spa.Origin.ToString(), page.Url, StringComparison.Ordinal);
        await UserStories.ScreenshotAsync(page, "spa-signed-out");

        // Signed out at the identity provider too: signing in again shows the login page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(new LoginPage(page).Heading).ToBeVisibleAsync();
    }

    [Fact]
    public async Task FormPost_UnderTheServersContentSecurityPolicy_DeliversTheCodeByItself()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        var blocked = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                blocked.Add(message.Text);
            }
        };

        await page.GotoAsync(FormPostRequest("by-script"));
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);

        await Assertions.Expect(page.Locator("#code")).ToHaveTextAsync("Code received", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("by-script");
        Assert.Empty(blocked);
    }

    [Fact]
    public async Task FormPost_WithoutScripts_ShowsAContinueButtonThatDeliversTheCode()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Idp.BaseAddress.ToString(), JavaScriptEnabled = false });
        var page = await context.NewPageAsync();

        await page.GotoAsync(FormPostRequest("by-button"));
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        var continueButton = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
        await Assertions.Expect(continueButton).ToBeVisibleAsync();
        await UserStories.ScreenshotAsync(page, "form-post-without-script");
        await continueButton.ClickAsync();

        await Assertions.Expect(page.Locator("#code")).ToHaveTextAsync("Code received");
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("by-button");
    }

    private string FormPostRequest(string state)
    {
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        return QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = new Uri(spa.Origin, "form-post-callback").ToString(),
            ["response_type"] = "code",
            ["response_mode"] = "form_post",
            ["scope"] = "openid",
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
    }
}
