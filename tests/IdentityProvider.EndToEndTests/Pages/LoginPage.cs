using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests.Pages;

/// <summary>The sign-in page, found by its roles and labels as assistive technology finds it.</summary>
public sealed class LoginPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" });

    public ILocator UserName => page.GetByLabel("Username or email");

    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });

    public ILocator KeepMeSignedIn => page.GetByLabel("Keep me signed in");

    public ILocator SignInButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });

    public ILocator CantAccessAccount => page.GetByRole(AriaRole.Link, new() { Name = "Can't access your account?" });

    public ILocator Error => page.GetByRole(AriaRole.Alert);

    public async Task SignInAsync(string userName, string password)
    {
        await UserName.FillAsync(userName);
        await Password.FillAsync(password);
        await SignInButton.ClickAsync();
    }
}
