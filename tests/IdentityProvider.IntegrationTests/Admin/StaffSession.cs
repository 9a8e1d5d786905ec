using IdentityProvider.Data;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>Staff members signed in and past the admin step-up, proved with their authenticator app.</summary>
internal static class StaffSession
{
    /// <summary>A new member of <paramref name="role"/> (none: no staff role) with an authenticator app, signed in and stepped up.</summary>
    public static async Task<(ApplicationUser Staff, RecoveryBrowser Browser)> StartAsync(IdentityProviderHost idp, string? role)
    {
        var staff = await RecoveryData.CreateUserAsync(idp, role: role, authenticator: true);
        var browser = new RecoveryBrowser(idp);
        await HtmlForms.SignInAsync(browser.Client, staff.UserName!, TestData.Password);
        if (role is not null)
        {
            await browser.OpenAsync("admin/verify");
            await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
            if (browser.Path == "/admin/verify")
            {
                throw new InvalidOperationException("The admin step-up did not pass: " + browser.Alert);
            }
        }

        return (staff, browser);
    }
}
