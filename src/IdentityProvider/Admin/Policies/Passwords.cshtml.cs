using System.ComponentModel.DataAnnotations;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Policies;

/// <summary>The password policy (with the organisation's banned terms) and the lockout policy; each change audited old → new.</summary>
[Authorize(Policy = AdminRoles.SettingsPolicy)]
public sealed class PasswordsModel(ApplicationDbContext db, PasswordPolicyStore passwords, LockoutPolicyStore lockout, AuditLog audit, TimeProvider time) : PageModel
{
    [BindProperty]
    public PasswordPolicyInput Password { get; set; } = new();

    [BindProperty]
    public LockoutPolicyInput Lockout { get; set; } = new();

    public string? Saved { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostPasswordAsync()
    {
        var terms = Password.Terms();
        if (Password.MaximumLength < Password.MinimumLength)
        {
            ModelState.AddModelError("Password.MaximumLength", "The longest allowed password cannot be shorter than the shortest.");
        }

        if (terms.Count > 1000)
        {
            ModelState.AddModelError("Password.CustomBannedTerms", "At most 1,000 banned terms.");
        }

        if (terms.FirstOrDefault(t => t.Length is < BannedTermIndex.MinimumTermLength or > BannedTermIndex.MaximumTermLength) is { } bad)
        {
            ModelState.AddModelError("Password.CustomBannedTerms", $"Each banned term has 4 to 16 characters; \"{(bad.Length > 20 ? bad[..20] + "…" : bad)}\" does not.");
        }

        if (!ModelState.IsValid)
        {
            var posted = Password;
            await LoadAsync();
            Password = posted;
            return Page();
        }

        await passwords.GetAsync(HttpContext.RequestAborted);
        var row = await db.Set<PasswordPolicySettings>().Include(p => p.CustomBannedTerms).SingleAsync(HttpContext.RequestAborted);
        var changes = new PolicyChanges("passwords");
        changes.Set(nameof(row.MinimumLength), row.MinimumLength, Password.MinimumLength, v => row.MinimumLength = v);
        changes.Set(nameof(row.MaximumLength), row.MaximumLength, Password.MaximumLength, v => row.MaximumLength = v);
        changes.Set(nameof(row.RequireCharacterClasses), row.RequireCharacterClasses, Password.RequireCharacterClasses, v => row.RequireCharacterClasses = v);
        changes.Set(nameof(row.BannedPasswordCheck), row.BannedPasswordCheck, Password.BannedPasswordCheck, v => row.BannedPasswordCheck = v);
        changes.Set(nameof(row.HistoryDepth), row.HistoryDepth, Password.HistoryDepth, v => row.HistoryDepth = v);
        changes.Set(nameof(row.HistoryOnReset), row.HistoryOnReset, Password.HistoryOnReset, v => row.HistoryOnReset = v);
        changes.Set(nameof(row.ExpiryDays), row.ExpiryDays, Password.ExpiryDays, v => row.ExpiryDays = v);
        changes.Set(nameof(row.ExpiryWarningDays), row.ExpiryWarningDays, Password.ExpiryWarningDays, v => row.ExpiryWarningDays = v);
        var before = row.CustomBannedTerms.Select(t => t.Term).Order(StringComparer.OrdinalIgnoreCase).ToList();
        if (!before.SequenceEqual(terms, StringComparer.OrdinalIgnoreCase))
        {
            var added = terms.Except(before, StringComparer.OrdinalIgnoreCase).Count();
            var removed = before.Except(terms, StringComparer.OrdinalIgnoreCase).Count();
            changes.Set("CustomBannedTerms", $"{before.Count} terms", $"{terms.Count} terms (+{added}, -{removed})", _ =>
            {
                row.CustomBannedTerms.Clear();
                row.CustomBannedTerms.AddRange(terms.Select(t => new CustomBannedTerm { Term = t }));
            });
        }

        await SaveAsync(changes, () => row.UpdatedAt = time.GetUtcNow());
        passwords.Invalidate();
        await LoadAsync();
        Saved = "The password policy is saved.";
        return Page();
    }

    public async Task<IActionResult> OnPostLockoutAsync()
    {
        if (Lockout.MaximumLockoutSeconds < Lockout.FirstLockoutSeconds)
        {
            ModelState.AddModelError("Lockout.MaximumLockoutSeconds", "The longest lockout cannot be shorter than the first.");
        }

        if (!ModelState.IsValid)
        {
            var posted = Lockout;
            await LoadAsync();
            Lockout = posted;
            return Page();
        }

        await lockout.GetAsync(HttpContext.RequestAborted);
        var row = await db.Set<LockoutPolicySettings>().SingleAsync(HttpContext.RequestAborted);
        var changes = new PolicyChanges("lockout");
        changes.Set(nameof(row.Threshold), row.Threshold, Lockout.Threshold, v => row.Threshold = v);
        changes.Set(nameof(row.FirstLockoutSeconds), row.FirstLockoutSeconds, Lockout.FirstLockoutSeconds, v => row.FirstLockoutSeconds = v);
        changes.Set(nameof(row.MaximumLockoutSeconds), row.MaximumLockoutSeconds, Lockout.MaximumLockoutSeconds, v => row.MaximumLockoutSeconds = v);
        await SaveAsync(changes, () => row.UpdatedAt = time.GetUtcNow());
        lockout.Invalidate();
        await LoadAsync();
        Saved = "The lockout policy is saved.";
        return Page();
    }

    private async Task SaveAsync(PolicyChanges changes, Action touch)
    {
        if (changes.All.Count == 0)
        {
            return;
        }

        touch();
        var actor = User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        foreach (var change in changes.All)
        {
            audit.Add(AuditEventTypes.AdminPolicyChanged, actor, AuditLog.Success, change.Length > 200 ? change[..200] : change);
        }

        await db.SaveChangesAsync(HttpContext.RequestAborted);
    }

    private async Task LoadAsync()
    {
        var password = (await passwords.GetAsync(HttpContext.RequestAborted)).Settings;
        var terms = await db.Set<CustomBannedTerm>().AsNoTracking().Where(t => t.PolicyId == password.Id).Select(t => t.Term).ToListAsync(HttpContext.RequestAborted);
        Password = new PasswordPolicyInput
        {
            MinimumLength = password.MinimumLength, MaximumLength = password.MaximumLength, RequireCharacterClasses = password.RequireCharacterClasses,
            BannedPasswordCheck = password.BannedPasswordCheck, HistoryDepth = password.HistoryDepth, HistoryOnReset = password.HistoryOnReset,
            ExpiryDays = password.ExpiryDays, ExpiryWarningDays = password.ExpiryWarningDays,
            CustomBannedTerms = string.Join('\n', terms.Order(StringComparer.OrdinalIgnoreCase)),
        };
        var locks = await lockout.GetAsync(HttpContext.RequestAborted);
        Lockout = new LockoutPolicyInput { Threshold = locks.Threshold, FirstLockoutSeconds = locks.FirstLockoutSeconds, MaximumLockoutSeconds = locks.MaximumLockoutSeconds };
    }
}

public sealed class PasswordPolicyInput
{
    [Range(4, 128, ErrorMessage = "The shortest password is 4 to 128 characters.")]
    public int MinimumLength { get; set; } = 8;

    [Range(16, 1024, ErrorMessage = "The longest password is 16 to 1,024 characters.")]
    public int MaximumLength { get; set; } = 256;

    public bool RequireCharacterClasses { get; set; }

    public bool BannedPasswordCheck { get; set; } = true;

    [Range(0, 24, ErrorMessage = "Remember 0 to 24 passwords.")]
    public int HistoryDepth { get; set; } = 5;

    public bool HistoryOnReset { get; set; } = true;

    [Range(1, 3650, ErrorMessage = "Passwords expire after 1 to 3,650 days, or leave it empty for never.")]
    public int? ExpiryDays { get; set; }

    [Range(0, 365, ErrorMessage = "Warn 0 to 365 days before.")]
    public int ExpiryWarningDays { get; set; } = 14;

    /// <summary>One term per line.</summary>
    [StringLength(20_000, ErrorMessage = "The banned terms are too long.")]
    public string? CustomBannedTerms { get; set; }

    public List<string> Terms() =>
        [.. (CustomBannedTerms ?? string.Empty).Split('\n').Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)];
}

public sealed class LockoutPolicyInput
{
    [Range(3, 100, ErrorMessage = "Lock after 3 to 100 wrong passwords.")]
    public int Threshold { get; set; } = 10;

    [Range(5, 86_400, ErrorMessage = "The first lockout lasts 5 seconds to a day.")]
    public int FirstLockoutSeconds { get; set; } = 60;

    [Range(5, 2_592_000, ErrorMessage = "The longest lockout lasts 5 seconds to 30 days.")]
    public int MaximumLockoutSeconds { get; set; } = 3600;
}
