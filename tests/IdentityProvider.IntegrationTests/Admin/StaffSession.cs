using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>
    /// Signs a staff member in through the sign-in page, answering the second factor staff always prove with one of
    /// their backup codes (made here) so their authenticator app's current code stays unused; then their session's
    /// second factor is aged past the admin step-up window, so administration asks for the app again
    /// (<c>/admin/verify</c>) as it does once that window has passed. Staff without any method land on registration.
    /// </summary>
    public static async Task SignInAsync(IdentityProviderHost idp, RecoveryBrowser browser, ApplicationUser staff)
    {
        ArgumentNullException.ThrowIfNull(idp);
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(staff);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = staff.UserName!, ["Input.Password"] = TestData.Password });
        if (browser.Path != "/Account/SecondFactor")
        {
            return;
        }

        await using var scope = idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var codes = await scope.ServiceProvider.GetRequiredService<IdentityProvider.SelfService.MultiFactor.BackupCodes>().GenerateAsync(staff.Id);
        await db.SaveChangesAsync();
        await browser.OpenAsync("Account/SecondFactor?method=BackupCode");
        await browser.EnterSecondFactorAsync(codes[0]);
        if (browser.Path == "/Account/SecondFactor")
        {
            throw new InvalidOperationException("The backup code did not pass: " + browser.Alert);
        }

        await db.Set<IdentityProvider.Account.Sessions.UserSession>().Where(s => s.UserId == staff.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecondFactorAt, (DateTimeOffset?)null));
        await db.Set<IdentityProvider.SelfService.MultiFactor.BackupCode>().Where(c => c.UserId == staff.Id).ExecuteDeleteAsync();
    }
}
