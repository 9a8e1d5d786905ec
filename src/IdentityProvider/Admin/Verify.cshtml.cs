using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>The admin step-up: a code from the admin's authenticator app, or their password when they have no app.</summary>
public sealed class VerifyModel(UserManager<ApplicationUser> users, AuthenticatorCodes authenticator, PasswordVerifier verifier, AdminStepUp stepUp, AuditLog audit) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    [Passwords.PasswordLength]
    public string? Secret { get; set; }

    public bool UsesApp { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        UsesApp = user.AuthenticatorSecretProtected is not null;
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

        UsesApp = user.AuthenticatorSecretProtected is not null;
        ReturnUrl = Sanitize(ReturnUrl);
        if (!ModelState.IsValid || string.IsNullOrEmpty(Secret))
        {
            ModelState.AddModelError(string.Empty, UsesApp ? "Enter the 6-digit code your app shows." : "Enter your password.");
            return Page();
        }

        var proved = UsesApp
            ? await authenticator.VerifyAsync(user, Secret, HttpContext.RequestAborted)
            : (await verifier.VerifyAsync(HttpContext, user, Secret, HttpContext.RequestAborted)).Status == PasswordVerificationStatus.Succeeded;
        Secret = null;
        await audit.WriteAsync(AuditEventTypes.AdminStepUp, user.Id, proved ? AuditLog.Success : AuditLog.Failure, UsesApp ? "authenticator" : "password", cancellationToken: HttpContext.RequestAborted);
        if (!proved)
        {
            ModelState.AddModelError(string.Empty, UsesApp ? "That code is not right, or it was already used. Wait for a new code." : "That password is not right.");
            return Page();
        }

        stepUp.Mark(HttpContext, user.Id);
        return LocalRedirect(ReturnUrl!);
    }

    private static string Sanitize(string? returnUrl) =>
        ReturnUrls.Sanitize(returnUrl) is var local && local.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? local : "/admin";
}
