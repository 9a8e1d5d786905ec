using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.Account;

/// <summary>
/// The signed-in user's account page: profile basics, change password, and the sessions this account has open
/// (device, sign-in time, last activity), each of which can be signed out; "sign out everywhere else" asks for the
/// password first.
/// </summary>
public sealed class AccountIndexModel(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    UserSessions sessions,
    PasswordVerifier verifier,
    ApplicationDbContext db,
    AuditLog audit,
    IStringLocalizer<AccountText> texts,
    Localization.LocalTimes times,
    TimeProvider time) : PageModel
{
    public ApplicationUser Profile { get; private set; } = null!;

    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    public string? CurrentSessionId => UserSessions.IdOf(User);

    public string? Message { get; private set; }

    [BindProperty]
    [StringLength(1024, ErrorMessage = "The password is too long.")]
    [DataType(DataType.Password)]
    [Display(Name = "Your password")]
    public string? Password { get; set; }

    [BindProperty]
    [StringLength(64)]
    public string? SessionId { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : Challenge();

    /// <summary>Signs one of the user's other sessions out (at its next request, on every node).</summary>
    public async Task<IActionResult> OnPostEndSessionAsync()
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }

        if (string.IsNullOrEmpty(SessionId) || SessionId == CurrentSessionId || !Sessions.Any(s => s.Id == SessionId))
        {
            ModelState.AddModelError(string.Empty, texts["That session has already ended."]);
            return Page();
        }

        await sessions.EndAsync(Profile.Id, SessionId, HttpContext.RequestAborted);
        await audit.WriteAsync(AuditEventTypes.SessionEnded, Profile.Id, AuditLog.Success, "by-user", HttpContext.RequestAborted);
        return Reload(texts["That session is signed out."]);
    }

    /// <summary>
    /// Every other session ends at its next request, with the user's refresh tokens and authorizations and anything
    /// open that could change their sign-in (recovery journeys, codes); this browser stays. Needs the password.
    /// </summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        if (!await LoadAsync())
        {
            return Challenge();
        }

        if (string.IsNullOrEmpty(Password) || !ModelState.IsValid)
        {
            ModelState.AddModelError(nameof(Password), texts["Enter your password to sign out everywhere else."]);
            return Page();
        }

        var check = await verifier.VerifyAsync(HttpContext, Profile, Password, HttpContext.RequestAborted);
        Password = null;
        if (check.Status != PasswordVerificationStatus.Succeeded)
        {
            ModelState.AddModelError(nameof(Password), check.Status == PasswordVerificationStatus.Paused
                ? SignInPause.Message(texts, times, check.PausedUntil, time.GetUtcNow())
                : texts["That password is not right."]);
            return Page();
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(HttpContext.RequestAborted))
        {
            await sessions.EndAllAsync(Profile, CurrentSessionId, HttpContext.RequestAborted);
            audit.Add(AuditEventTypes.SignedOutEverywhere, Profile.Id, AuditLog.Success);
            await db.SaveChangesAsync(HttpContext.RequestAborted);
            await transaction.CommitAsync(HttpContext.RequestAborted);
        }

        await signIn.RefreshSignInAsync(Profile);
        return Reload(texts["You are signed out everywhere else."]);
    }

    private RedirectToPageResult Reload(string message)
    {
        TempData["account-message"] = message;
        return RedirectToPage();
    }

    private async Task<bool> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return false;
        }

        Profile = user;
        Sessions = await sessions.ListAsync(user.Id, HttpContext.RequestAborted);
        Message = TempData["account-message"] as string;
        return true;
    }

    public static string Device(UserSession session) => DeviceNames.Describe(session.UserAgent);
}
