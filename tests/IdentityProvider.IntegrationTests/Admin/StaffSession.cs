using IdentityProvider.Data;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>
/// Staff members signed in with their password and their authenticator app (staff always prove a second factor at
/// sign-in, which also passes the admin step-up for its window).
/// </summary>
internal static class StaffSession
{
    /// <summary>A new member of <paramref name="role"/> (none: no staff role) with an authenticator app, signed in and stepped up.</summary>
    public static async Task<(ApplicationUser Staff, RecoveryBrowser Browser)> StartAsync(IdentityProviderHost idp, string? role)
    {
        var staff = await RecoveryData.CreateUserAsync(idp, role: role, authenticator: true);
        var browser = new RecoveryBrowser(idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = staff.UserName!, ["Input.Password"] = TestData.Password });
        if (role is not null)
        {
            if (browser.Path != "/Account/SecondFactor")
            {
                throw new InvalidOperationException("Sign-in did not ask a staff member for a second factor: " + browser.Path);
            }

            await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
            if (browser.Path == "/Account/SecondFactor")
            {
                throw new InvalidOperationException("The second factor did not pass: " + browser.Alert);
            }
        }

        return (staff, browser);
    }
}
