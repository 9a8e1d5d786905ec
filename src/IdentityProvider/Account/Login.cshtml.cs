using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
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
    Audit.AuditLog audit,
    IStringLocalizer<AccountText> texts,
    TimeProvider time) : PageModel
{
    /// <summary>Longest user ID taken from a link (as the field accepts).</summary>
    private const int MaximumHintLength = 256;

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Set while sign-in for the typed user ID is paused from this browser (too many attempts): until when.</summary>
    public DateTimeOffset? PausedUntil { get; private set; }

    /// <summary>Set when this client sent too many sign-in attempts: seconds until it may try again.</summary>
    public int? RetryAfterSeconds { get; private set; }

    /// <summary>The user ID a link asked to fill in (<c>?userName=</c>), e.g. from a recovery page's way back.</summary>
    [BindProperty(SupportsGet = true, Name = "userName")]
    public string? UserNameHint { get; set; }

    /// <summary>
    /// "Can't access your account?" with the user ID typed so far (<c>userName</c>, which the recovery start page and
    /// this page both read), so the user does not type it again. <c>sign-in.js</c> keeps it in step with the field.
    /// </summary>
    public string RecoverUrl => RecoverLink(ReturnUrl, Input.UserName);

    /// <summary>"Unlock your account": the user ID that was typed, and "I know my password" chosen (<c>reason=unlock</c>).</summary>
    public string UnlockUrl => RecoverLink(ReturnUrl, Input.UserName) + "&reason=unlock";

    /// <summary>When a paused sign-in may be tried again, as a <c>time</c> element in the reader's zone and culture.</summary>
    public Microsoft.AspNetCore.Html.IHtmlContent? PausedUntilHtml(Localization.LocalTimes times) =>
        PausedUntil is { } until ? SignInPause.Html(times, until, time.GetUtcNow()) : null;

    public void OnGet()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        // The ID a link named, else the one the application named (OpenID Connect login_hint in the authorization request).
        Input.UserName = Hint(UserNameHint) ?? Hint(LoginHint(ReturnUrl)) ?? string.Empty;
    }

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
                ModelState.AddModelError("Input.Password", texts["Your temporary password has expired. Ask your IT helpdesk for a new one."]);
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
                ModelState.AddModelError("Input.Password", texts["That username or password is not right. Check them and try again."]);
                Input.Password = string.Empty;
                return Page();
        }
    }

    /// <summary>The recovery start page for <paramref name="userName"/>, coming back to <paramref name="returnUrl"/> afterwards.</summary>
    internal static string RecoverLink(string? returnUrl, string? userName)
    {
        var link = "/recover?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(returnUrl));
        var id = userName?.Trim();
        return string.IsNullOrEmpty(id) ? link : $"{link}&userName={Uri.EscapeDataString(id)}";
    }

    /// <summary>A user ID from a link: at most <see cref="MaximumHintLength"/> characters, no control characters, trimmed; otherwise null.</summary>
    private static string? Hint(string? value) =>
        value?.Trim() is { Length: > 0 and <= MaximumHintLength } hint && !hint.Any(char.IsControl) ? hint : null;

    /// <summary>The <c>login_hint</c> of an authorization request the sign-in will resume, if any.</summary>
    private static string? LoginHint(string returnUrl)
    {
        var mark = returnUrl.IndexOf('?', StringComparison.Ordinal);
        if (mark < 0 || !returnUrl.StartsWith("/connect/authorize", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return QueryHelpers.ParseQuery(returnUrl[mark..]).TryGetValue(Parameters.LoginHint, out var hint) && hint.Count == 1 ? hint[0] : null;
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
