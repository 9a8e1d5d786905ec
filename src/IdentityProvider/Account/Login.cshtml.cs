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
public sealed partial class LoginModel(
    SignInManager<ApplicationUser> signIn,
    PasswordVerifier verifier,
    RequestThrottle throttle,
    StoredPolicy<Passwords.PasswordPolicySettings> policies,
    SelfService.SecurityInfo.RegistrationCheck registration,
    TemporaryPasswords temporaryPasswords,
    Audit.AuditLog audit,
    TimeProvider time,
    ILogger<LoginModel> logger) : PageModel
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

            case PasswordVerificationStatus.Succeeded when await ChangeRequiredAsync(result.User!) is { } reason:
                // No session and no token until a new password is chosen.
                await HttpContext.SignInAsync(PendingPasswordChange.Scheme, new ClaimsPrincipal(new ClaimsIdentity(
                    [
                        new Claim(Claims.Subject, result.User!.Id),
                        new Claim(PendingPasswordChange.RememberMeClaim, Input.RememberMe ? "true" : "false"),
                        new Claim(PendingPasswordChange.ReasonClaim, reason),
                        new Claim(PendingPasswordChange.StampClaim, result.User!.SecurityStamp ?? string.Empty),
                    ],
                    PendingPasswordChange.Scheme)));
                return LocalRedirect("/Account/ForcedChange?returnUrl=" + Uri.EscapeDataString(ReturnUrl));

            case PasswordVerificationStatus.Succeeded:
                await signIn.SignInWithClaimsAsync(
                    result.User!,
                    new AuthenticationProperties { IsPersistent = Input.RememberMe },
                    [new Claim(Claims.AuthenticationMethodReference, "pwd")]);
                LogSignedIn(logger, result.User!.Id);
                if ((await registration.CheckAsync(result.User!, HttpContext.RequestAborted)).Step is var step and not SelfService.SecurityInfo.SecurityInfoStep.None)
                {
                    // Register (or re-confirm) recovery methods first; the authorization resumes from the return URL.
                    return LocalRedirect(SelfService.SecurityInfo.IndexModel.Path
                        + SelfService.SecurityInfo.IndexModel.QueryString(step == SelfService.SecurityInfo.SecurityInfoStep.Register ? "register" : "reconfirm", ReturnUrl));
                }

                if (await ExpiresInDaysAsync(result.User!) is { } days)
                {
                    return LocalRedirect($"/Account/PasswordExpiring?days={days}&returnUrl={Uri.EscapeDataString(ReturnUrl)}");
                }

                return LocalRedirect(ReturnUrl);

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

    /// <summary>Why the user must choose a new password before signing in, if they must.</summary>
    private async Task<string?> ChangeRequiredAsync(ApplicationUser user)
    {
        if (user.MustChangePassword)
        {
            return PendingPasswordChange.ReasonRequired;
        }

        var policy = await policies.GetAsync();
        return policy.ExpiryDays is { } days && user.PasswordChangedAt is { } changed && changed.AddDays(days) <= time.GetUtcNow()
            ? PendingPasswordChange.ReasonExpired
            : null;
    }

    /// <summary>Days left before the password expires, when inside the warning period.</summary>
    private async Task<int?> ExpiresInDaysAsync(ApplicationUser user)
    {
        var policy = await policies.GetAsync();
        if (policy.ExpiryDays is not { } days || user.PasswordChangedAt is not { } changed)
        {
            return null;
        }

        var left = changed.AddDays(days) - time.GetUtcNow();
        return left <= TimeSpan.FromDays(policy.ExpiryWarningDays) ? Math.Max(1, (int)Math.Ceiling(left.TotalDays)) : null;
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "User {UserId} signed in with a password.")]
    private static partial void LogSignedIn(ILogger logger, string userId);
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
