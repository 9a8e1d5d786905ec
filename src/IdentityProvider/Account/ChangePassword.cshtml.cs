using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Account;

/// <summary>
/// A signed-in user changes a password they know. The new password goes through the one password policy
/// (with history); the security stamp changes, so other sessions and refresh tokens stop working.
/// </summary>
public sealed partial class ChangePasswordModel(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    Lockout.PasswordVerifier verifier,
    Audit.AuditLog audit,
    ApplicationDbContext db,
    Messaging.Outbox outbox,
    Messaging.MessageTemplates templates,
    TimeProvider time,
    ILogger<ChangePasswordModel> logger) : PageModel
{
    [BindProperty]
    public ChangePasswordInput Input { get; set; } = new();

    public bool Changed { get; private set; }

    public Passwords.NewPasswordFields PasswordFields { get; } = new("Input.NewPassword", "Input.ConfirmPassword");

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        // The current password is a re-authentication: it goes through the same lockout as sign-in.
        var current = await verifier.VerifyAsync(HttpContext, user, Input.CurrentPassword);
        if (current.Status != Lockout.PasswordVerificationStatus.Succeeded)
        {
            ModelState.AddModelError("Input.CurrentPassword", current.Status == Lockout.PasswordVerificationStatus.LockedOut
                ? "Your account is locked for now because of too many wrong passwords. Try again later."
                : "Your current password is not right.");
            return Page();
        }

        // The new hash, the notification and the audit event are saved together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync();
        var result = await users.ChangePasswordAsync(user, Input.CurrentPassword, Input.NewPassword);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync();
            foreach (var error in result.Errors)
            {
                var key = error.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "Input.CurrentPassword" : "Input.NewPassword";
                var message = error.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "Your current password is not right." : error.Description;
                ModelState.AddModelError(key, message);
            }

            var codes = string.Join(",", result.Errors.Select(e => e.Code));
            LogRefused(logger, user.Id, codes);
            return Page();
        }

        if (!string.IsNullOrEmpty(user.Email))
        {
            outbox.Email(user.Email, templates.PasswordChanged(user.UserName ?? user.Email, time.GetUtcNow(), System.Globalization.CultureInfo.CurrentUICulture), "password-changed");
        }

        audit.Add(Audit.AuditEventTypes.PasswordChanged, user.Id, Audit.AuditLog.Success, "account-page");
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        await signIn.RefreshSignInAsync(user);
        LogChanged(logger, user.Id);
        Changed = true;
        Input = new ChangePasswordInput();
        ModelState.Clear();
        return Page();
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "User {UserId} changed their password.")]
    private static partial void LogChanged(ILogger logger, string userId);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Password change refused for user {UserId}: {Codes}.")]
    private static partial void LogRefused(ILogger logger, string userId, string codes);
}

public sealed class ChangePasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    [StringLength(1024, ErrorMessage = "The current password is too long.")]
    [DataType(DataType.Password)]
    [Display(Name = "Current password")]
    public string CurrentPassword { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter a new password.")]
    [StringLength(1024, ErrorMessage = "The new password is too long.")]
    [DataType(DataType.Password)]
    public string NewPassword { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the new password again.")]
    [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords are not the same.")]
    [DataType(DataType.Password)]
    public string ConfirmPassword { get; set; } = string.Empty;
}
