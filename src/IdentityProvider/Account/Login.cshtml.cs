using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using IdentityProvider.Data;
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
    UserManager<ApplicationUser> users,
    ILogger<LoginModel> logger) : PageModel
{
    internal const string GenericFailure = "That username or password is not right. Check them and try again.";

    // A hash of a random password made by the configured hasher, verified for unknown users so that they cost
    // the same as known ones.
    private static string? dummyHash;

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Set when the right password was given for an account that is locked for now.</summary>
    public bool LockedOut { get; private set; }

    public string RecoverUrl => "/Account/Recover?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(ReturnUrl));

    public void OnGet() => ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);

    public async Task<IActionResult> OnPostAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await FindUserAsync(Input.UserName.Trim());
        if (user is null)
        {
            dummyHash ??= users.PasswordHasher.HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N"));
            users.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), dummyHash, Input.Password);
            LogFailed(logger, null, "unknown account");
            return Fail();
        }

        if (!user.IsEnabled)
        {
            // Like an unknown account: no counting, no hint that the account exists.
            await users.CheckPasswordAsync(user, Input.Password);
            LogFailed(logger, user.Id, "disabled");
            return Fail();
        }

        var result = await signIn.CheckPasswordSignInAsync(user, Input.Password, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await signIn.SignInWithClaimsAsync(
                user,
                new AuthenticationProperties { IsPersistent = Input.RememberMe },
                [new Claim(Claims.AuthenticationMethodReference, "pwd")]);
            LogSignedIn(logger, user.Id);
            return LocalRedirect(ReturnUrl);
        }

        if (result.IsLockedOut && await users.CheckPasswordAsync(user, Input.Password))
        {
            // Only someone who knows the password learns that the account is locked.
            LockedOut = true;
            LogFailed(logger, user.Id, "locked out");
            return Page();
        }

        LogFailed(logger, user.Id, result.IsLockedOut ? "locked out, wrong password" : "wrong password");
        return Fail();
    }

    private PageResult Fail()
    {
        ModelState.AddModelError(string.Empty, GenericFailure);
        Input.Password = string.Empty;
        return Page();
    }

    private async Task<ApplicationUser?> FindUserAsync(string userNameOrEmail) =>
        await users.FindByNameAsync(userNameOrEmail)
        ?? (userNameOrEmail.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(userNameOrEmail) : null);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "User {UserId} signed in with a password.")]
    private static partial void LogSignedIn(ILogger logger, string userId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Password sign-in failed for user {UserId}: {Reason}.")]
    private static partial void LogFailed(ILogger logger, string? userId, string reason);
}

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your username or email address.")]
    [StringLength(256, ErrorMessage = "The username or email address is too long.")]
    [Display(Name = "Username or email")]
    public string UserName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your password.")]
    [StringLength(256, ErrorMessage = "The password is too long.")]
    [DataType(DataType.Password)]
    [Display(Name = "Password")]
    public string Password { get; set; } = string.Empty;

    [Display(Name = "Keep me signed in")]
    public bool RememberMe { get; set; }
}
