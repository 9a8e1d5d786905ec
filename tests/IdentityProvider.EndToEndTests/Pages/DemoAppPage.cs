using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests.Pages;

/// <summary>The demo relying app at /demo.</summary>
public sealed class DemoAppPage(IPage page)
{
    public ILocator SignInButton => page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Sign in with") });

    public ILocator Application => page.GetByLabel("Application");

    public ILocator Greeting => page.GetByRole(AriaRole.Status);

    public ILocator RefreshButton => page.GetByRole(AriaRole.Button, new() { Name = "Refresh tokens" });

    public ILocator SignOutButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });

    public Task OpenAsync() => page.GotoAsync("/demo");
}
