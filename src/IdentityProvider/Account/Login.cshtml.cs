using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account;

/// <summary>
/// Username-or-email and password sign-in. Every failure shows the same message whether or not the account
/// exists; unknown accounts pay for a password hash too, so timing does not tell them apart.
/// </summary>
public sealed class LoginModel(
    PasswordVerifier verifier,
    RequestThrottle throttle,
    SignInCompletion completion,
    TemporaryPasswords temporaryPasswords,
    Audit.AuditLog audit) : PageModel
{
    internal const string GenericFailure = "That username or password is not right. Check them and try again.";

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Set while sign-in for the typed user ID is paused from this browser (too many attempts): until when.</summary>
    public DateTimeOffset? PausedUntil { get; private set; }

    /// <summary>Set when this client sent too many sign-in attempts: seconds until it may try again.</summary>
    public int? RetryAfterSeconds { get; private set; }

    public string RecoverUrl => "/recover?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(ReturnUrl));

    /// <summary>"Unlock your account" with the user ID that was typed, so the user does not type it again.</summary>
    public string UnlockUrl => RecoverUrl + "&userId=" + Uri.EscapeDataString(Input.UserName.Trim());

    public void OnGet() => ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);

    public async Task<IActionResult> OnPostAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        if (await throttle.CheckAsync(HttpContext, RequestThrottle.SignIn) is { } wait)
        {
            RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = RetryAfterSeconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Input.Password = string.Empty;
            return Page();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await verifier.VerifyAsync(HttpContext, Input.UserName, Input.Password);
        switch (result.Status)
        {
            case PasswordVerificationStatus.Succeeded when temporaryPasswords.HasExpired(result.User!):
                // Only someone who typed the right temporary password learns that it expired; no session, no token.
                await audit.WriteAsync(Audit.AuditEventTypes.SignInFailed, result.User!.Id, Audit.AuditLog.Failure, "temporary-password-expired");
                ModelState.AddModelError(string.Empty, TemporaryPasswords.ExpiredMessage);
                Input.Password = string.Empty;
                return Page();

            case PasswordVerificationStatus.Succeeded:
                return LocalRedirect(await completion.ContinueAsync(HttpContext, result.User!, Input.RememberMe, [SignInMethods.Password], ReturnUrl));

            case PasswordVerificationStatus.Paused:
                // Right or wrong, known or not: the same answer, and no password was checked.
                PausedUntil = result.PausedUntil;
                Input.Password = string.Empty;
                return Page();

            default:
                ModelState.AddModelError(string.Empty, GenericFailure);
                Input.Password = string.Empty;
                return Page();
        }
    }
}

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your username or email address.")]
    [StringLength(256, ErrorMessage = "The username or email address is too long.")]
    [Display(Name = "Username or email")]
    public string UserName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your password.")]
    [Passwords.PasswordLength]
    [DataType(DataType.Password)]
    [Display(Name = "Password")]
    public string Password { get; set; } = string.Empty;

    [Display(Name = "Keep me signed in")]
    public bool RememberMe { get; set; }
}
