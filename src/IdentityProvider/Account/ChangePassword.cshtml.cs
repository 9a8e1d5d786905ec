using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using OpenIddict.Abstractions;

namespace IdentityProvider.Account;

/// <summary>
/// A signed-in user changes a password they know. Three ways in:
/// <list type="bullet">
/// <item>from the account page (no parameters): the page says it is done;</item>
/// <item>hosted for a relying app: <c>?client_id=…&amp;return_uri=…&amp;state=…</c>, where <c>return_uri</c> must be one of
/// that client's registered redirect URIs; afterwards the browser goes back with <c>result=changed</c> or
/// <c>result=cancelled</c> and the app's <c>state</c>;</item>
/// <item>with a local <c>returnUrl</c> (and <c>cancelUrl</c>), as the application-initiated action of the authorization
/// endpoint uses it.</item>
/// </list>
/// </summary>
public sealed partial class ChangePasswordModel(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    PasswordVerifier verifier,
    PasswordChanger changer,
    IOpenIddictApplicationManager applications,
    ReturnUrls returnUrls,
    IStringLocalizer<AccountText> texts,
    Localization.LocalTimes times,
    TimeProvider time,
    ILogger<ChangePasswordModel> logger) : PageModel
{
    [BindProperty]
    public ChangePasswordInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true, Name = "client_id")]
    public string? ClientId { get; set; }

    [BindProperty(SupportsGet = true, Name = "return_uri")]
    public string? ReturnUri { get; set; }

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? CancelUrl { get; set; }

    public bool Changed { get; private set; }

    /// <summary>The relying app that sent the user here, when hosted.</summary>
    public string? ApplicationName { get; private set; }

    /// <summary>The hosted request names an unknown application or an address it did not register.</summary>
    public bool InvalidRequest { get; private set; }

    public Passwords.NewPasswordFields PasswordFields { get; } = new("Input.NewPassword", "Input.ConfirmPassword");

    public async Task<IActionResult> OnGetAsync()
    {
        await ValidateReturnAsync();
        if (InvalidRequest)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync()
    {
        await ValidateReturnAsync();
        if (InvalidRequest)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (ReturnUri is not null)
        {
            return Redirect(WithResult(ReturnUri, "cancelled"));
        }

        return LocalRedirect(ReturnUrls.Sanitize(CancelUrl ?? ReturnUrl));
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await ValidateReturnAsync();
        if (InvalidRequest)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

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
        if (current.Status != PasswordVerificationStatus.Succeeded)
        {
            ModelState.AddModelError("Input.CurrentPassword", current.Status == PasswordVerificationStatus.Paused
                ? SignInPause.Message(texts, times, current.PausedUntil, time.GetUtcNow())
                : texts["Your current password is not right."]);
            return Page();
        }

        var source = ReturnUri is not null ? "hosted-page:" + ClientId : ReturnUrl is not null ? "application-initiated" : "account-page";
        var result = await changer.ChangeAsync(user, Input.CurrentPassword, Input.NewPassword, source, Sessions.UserSessions.IdOf(User));
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError("Input.NewPassword", error.Description);
            }

            var codes = string.Join(",", result.Errors.Select(e => e.Code));
            LogRefused(logger, user.Id, codes);
            return Page();
        }

        await signIn.RefreshSignInAsync(user);
        LogChanged(logger, user.Id, source);
        if (ReturnUri is not null)
        {
            return Redirect(WithResult(ReturnUri, "changed"));
        }

        if (ReturnUrl is not null)
        {
            return LocalRedirect(ReturnUrls.Sanitize(ReturnUrl));
        }

        Changed = true;
        Input = new ChangePasswordInput();
        ModelState.Clear();
        return Page();
    }

    /// <summary>A hosted request must name a client and one of its registered redirect URIs; anything else is refused here.</summary>
    private async Task ValidateReturnAsync()
    {
        if (ClientId is null && ReturnUri is null)
        {
            return;
        }

        var application = string.IsNullOrEmpty(ClientId) || ClientId.Length > 200 ? null : await applications.FindByClientIdAsync(ClientId);
        if (application is null || !await returnUrls.IsRegisteredAsync(ReturnUri, ClientId, HttpContext.RequestAborted))
        {
            InvalidRequest = true;
            ReturnUri = null;
            return;
        }

        ApplicationName = await applications.GetLocalizedDisplayNameAsync(application) ?? ClientId;
    }

    private string WithResult(string uri, string result)
    {
        var parameters = new Dictionary<string, string?> { ["result"] = result };
        if (!string.IsNullOrEmpty(State))
        {
            parameters["state"] = State;
        }

        return QueryHelpers.AddQueryString(uri, parameters);
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "User {UserId} changed their password ({Source}).")]
    private static partial void LogChanged(ILogger logger, string userId, string source);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Password change refused for user {UserId}: {Codes}.")]
    private static partial void LogRefused(ILogger logger, string userId, string codes);
}

public sealed class ChangePasswordInput : Passwords.NewPasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    [Passwords.PasswordLength]
    [DataType(DataType.Password)]
    [Display(Name = "Current password")]
    public string CurrentPassword { get; set; } = string.Empty;
}
