using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>
/// The admin step-up: a second factor, never the password again (a stolen password alone must not open
/// administration). Today that is a code from the staff member's authenticator app; staff without one are sent to
/// add one first. Wrong codes are counted and locked like sign-in (reserve, then check), on a counter of their own.
/// </summary>
public sealed partial class VerifyModel(
    Account.SignInPauses pauses,
    UserManager<ApplicationUser> users,
    SecondFactorCheck secondFactor,
    UserSessions sessions,
    Lockout.FamiliarDevices devices,
    AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts,
    ILogger<VerifyModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? Secret { get; set; }

    /// <summary>False when the staff member has no second factor yet: the page offers to add one.</summary>
    public bool HasSecondFactor { get; private set; }

    /// <summary>Where to add an authenticator app, coming back here afterwards.</summary>
    public string AddFactorUrl => SelfService.SecurityInfo.IndexModel.Path + "?returnUrl=" + Uri.EscapeDataString("/admin/verify?returnUrl=" + Uri.EscapeDataString(ReturnUrl ?? "/admin"));

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        HasSecondFactor = user.AuthenticatorSecretProtected is not null;
        ReturnUrl = Sanitize(ReturnUrl);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        var cancellationToken = HttpContext.RequestAborted;
        HasSecondFactor = user.AuthenticatorSecretProtected is not null;
        ReturnUrl = Sanitize(ReturnUrl);
        if (!HasSecondFactor)
        {
            await audit.WriteAsync(AuditEventTypes.AdminStepUp, user.Id, AuditLog.Failure, "no-second-factor", cancellationToken);
            return Page();
        }

        if (!ModelState.IsValid || string.IsNullOrEmpty(Secret))
        {
            ModelState.AddModelError(nameof(Secret), texts["Enter the 6-digit code your app shows."]);
            return Page();
        }

        // The staff member's own browser (familiar: it finished a sign-in) counts apart from a stranger's guesses.
        var result = await secondFactor.VerifyAsync(user, Secret, devices.IsFamiliar(HttpContext, user.Id), cancellationToken);
        Secret = null;
        if (result == SecondFactorResult.Paused)
        {
            await audit.WriteAsync(AuditEventTypes.AdminStepUp, user.Id, AuditLog.Failure, "locked-out", cancellationToken);
            ModelState.AddModelError(nameof(Secret), pauses.Codes(secondFactor.PausedUntil));
            return Page();
        }

        if (result != SecondFactorResult.Passed)
        {
            audit.Add(AuditEventTypes.AdminStepUp, user.Id, AuditLog.Failure, "authenticator");
            if (secondFactor.LockedNow)
            {
                audit.Add(AuditEventTypes.AccountLocked, user.Id, AuditLog.Failure, "step-up");
                LogLocked(logger, user.Id);
            }

            await audit.SaveAsync(cancellationToken);
            ModelState.AddModelError(nameof(Secret), texts["That code is not right, or it was already used. Wait for a new code."]);
            return Page();
        }

        await sessions.AuthenticatedAsync(HttpContext, "otp", cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminStepUp, user.Id, AuditLog.Success, "authenticator", cancellationToken);
        return LocalRedirect(ReturnUrl!);
    }

    private static string Sanitize(string? returnUrl) =>
        ReturnUrls.Sanitize(returnUrl) is var local && local.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? local : "/admin";

    [LoggerMessage(EventId = 8000, Level = LogLevel.Warning, Message = "Admin step-up locked for {UserId} after too many wrong codes.")]
    private static partial void LogLocked(ILogger logger, string userId);
}
