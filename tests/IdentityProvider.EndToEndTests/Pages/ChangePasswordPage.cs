using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests.Pages;

/// <summary>The account's change-password page with its strength meter.</summary>
public sealed class ChangePasswordPage(IPage page)
{
    public ILocator CurrentPassword => page.GetByLabel("Current password");

    public ILocator NewPassword => page.GetByLabel("New password", new() { Exact = true });

    public ILocator ConfirmPassword => page.GetByLabel("Confirm new password");

    public ILocator Meter => page.Locator(".password-meter");

    public ILocator Submit => page.GetByRole(AriaRole.Button, new() { Name = "Change password" });

    public Task OpenAsync() => page.GotoAsync("/Account/ChangePassword");
}
