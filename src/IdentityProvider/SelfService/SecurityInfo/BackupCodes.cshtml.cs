using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// Backup codes for signing in when no other second factor is at hand: how many are left, and new ones on demand
/// (shown once, on the page that made them; the old ones stop working). Needs a recent sign-in like every change.
/// </summary>
[Authorize]
public sealed class BackupCodesModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    MultiFactor.BackupCodes backupCodes,
    Messaging.Outbox outbox,
    Messaging.MessageTemplates templates,
    TimeProvider time,
    ApplicationDbContext db,
    AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    public const string Path = IndexModel.Path + "/BackupCodes";

    public int Remaining { get; private set; }

    /// <summary>The codes just generated: shown on this response only.</summary>
    public IReadOnlyList<string> NewCodes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostGenerateAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        NewCodes = await backupCodes.GenerateAsync(Profile.Id, HttpContext.RequestAborted);
        audit.Add(AuditEventTypes.BackupCodesGenerated, Profile.Id, AuditLog.Success, method: nameof(SignInMethod.BackupCode));
        // Like every change of a way to prove it is you, the user's addresses are told (someone else may have done it).
        var notice = templates.SecurityInfoChanged(Profile.UserName ?? Profile.Id, Texts["in a sentence: backup codes"], Texts["replaced with new ones"], time.GetUtcNow(), System.Globalization.CultureInfo.CurrentUICulture);
        foreach (var address in new[] { Profile.Email, Profile.AlternateEmail }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            outbox.Email(address!, notice, "security-info-changed");
        }

        await db.SaveChangesAsync(HttpContext.RequestAborted);
        Remaining = NewCodes.Count;
        // The codes must not linger in a cache or the browser's history.
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    protected override async Task LoadAsync()
    {
        await base.LoadAsync();
        Remaining = await backupCodes.RemainingAsync(Profile.Id, HttpContext.RequestAborted);
    }
}
