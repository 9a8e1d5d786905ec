using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>"Enter your password again": a signed-in user proves it is still them before a sensitive change.</summary>
[Authorize]
public sealed class ReauthenticateModel(
    Account.SignInPauses pauses,
    UserManager<ApplicationUser> users,
    PasswordVerifier verifier,
    Account.Sessions.UserSessions sessions,
    AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : PageModel
{
    public const string Path = "/Account/Reauthenticate";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Enter your password.")]
    [Passwords.PasswordLength]
    [DataType(DataType.Password)]
    [Display(Name = "Password")]
    public string Password { get; set; } = string.Empty;

    public string? UserName { get; private set; }

    public async Task OnGetAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        UserName = (await users.GetUserAsync(User))?.UserName;
    }

    public async Task<IActionResult> OnPostAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return LocalRedirect("/Account/Login");
        }

        UserName = user.UserName;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await verifier.VerifyAsync(HttpContext, user, Password, HttpContext.RequestAborted);
        Password = string.Empty;
        switch (result.Status)
        {
            case PasswordVerificationStatus.Succeeded:
                await sessions.AuthenticatedAsync(HttpContext, "pwd", HttpContext.RequestAborted);
                await audit.WriteAsync(AuditEventTypes.Reauthenticated, user.Id, AuditLog.Success, cancellationToken: HttpContext.RequestAborted);
                return LocalRedirect(ReturnUrl);
            case PasswordVerificationStatus.Paused:
                ModelState.AddModelError(nameof(Password), pauses.Password(result.PausedUntil));
                return Page();
            default:
                ModelState.AddModelError(nameof(Password), texts["That password is not right."]);
                return Page();
        }
    }
}
