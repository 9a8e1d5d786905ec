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
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
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
        foreach (var (field, message) in Password.Problems())
        {
            ModelState.AddModelError("Password." + field, message);
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
        var changes = Password.ApplyTo(row);
        await SaveAsync(changes, () => row.UpdatedAt = time.GetUtcNow());
        passwords.Invalidate();
        await LoadAsync();
        Saved = "The password policy is saved.";
        return Page();
    }

    public async Task<IActionResult> OnPostLockoutAsync()
    {
        foreach (var (field, message) in Lockout.Problems())
        {
            ModelState.AddModelError("Lockout." + field, message);
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
        var changes = Lockout.ApplyTo(row);
        await SaveAsync(changes, () => row.UpdatedAt = time.GetUtcNow());
        lockout.Invalidate();
        await LoadAsync();
        Saved = "The lockout policy is saved.";
        return Page();
    }

    private async Task SaveAsync(IReadOnlyList<string> changes, Action touch)
    {
        if (changes.Count == 0)
        {
            return;
        }

        touch();
        var actor = User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        foreach (var change in changes)
        {
            audit.Add(AuditEventTypes.AdminPolicyChanged, actor, AuditLog.Success, change.Length > 200 ? change[..200] : change);
        }

        await db.SaveChangesAsync(HttpContext.RequestAborted);
    }

    private async Task LoadAsync()
    {
        var password = (await passwords.GetAsync(HttpContext.RequestAborted)).Settings;
        var terms = await db.Set<CustomBannedTerm>().AsNoTracking().Where(t => t.PolicyId == password.Id).Select(t => t.Term).ToListAsync(HttpContext.RequestAborted);
        Password = PasswordPolicyInput.From(password, terms);
        Lockout = LockoutPolicyInput.From(await lockout.GetAsync(HttpContext.RequestAborted));
    }
}

public sealed class PasswordPolicyInput
{
    /// <summary>8 is for organisations that require a second factor of everyone; 12 or more otherwise (ASVS 2.1.1).</summary>
    [Range(8, 128, ErrorMessage = "The shortest password is 8 to 128 characters (12 or more unless everyone also uses a second factor).")]
    public int MinimumLength { get; set; } = 12;

    [Range(16, 1024, ErrorMessage = "The longest password is 16 to 1,024 characters.")]
    public int MaximumLength { get; set; } = 128;

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

    /// <summary>Rules that span fields or a list, each with its field.</summary>
    public IEnumerable<(string Field, string Message)> Problems()
    {
        var terms = Terms();
        if (MaximumLength < MinimumLength)
        {
            yield return (nameof(MaximumLength), "The longest allowed password cannot be shorter than the shortest.");
        }

        if (terms.Count > 1000)
        {
            yield return (nameof(CustomBannedTerms), "At most 1,000 banned terms.");
        }

        if (terms.FirstOrDefault(t => t.Length is < BannedTermIndex.MinimumTermLength or > BannedTermIndex.MaximumTermLength) is { } bad)
        {
            yield return (nameof(CustomBannedTerms), $"Each banned term has 4 to 16 characters; \"{(bad.Length > 20 ? bad[..20] + "…" : bad)}\" does not.");
        }
    }

    /// <summary>Copies the input onto the stored policy (with its terms loaded); returns each change for the audit trail.</summary>
    public IReadOnlyList<string> ApplyTo(PasswordPolicySettings row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var terms = Terms();
        var changes = new PolicyChanges("passwords");
        changes.Set(nameof(row.MinimumLength), row.MinimumLength, MinimumLength, v => row.MinimumLength = v);
        changes.Set(nameof(row.MaximumLength), row.MaximumLength, MaximumLength, v => row.MaximumLength = v);
        changes.Set(nameof(row.RequireCharacterClasses), row.RequireCharacterClasses, RequireCharacterClasses, v => row.RequireCharacterClasses = v);
        changes.Set(nameof(row.BannedPasswordCheck), row.BannedPasswordCheck, BannedPasswordCheck, v => row.BannedPasswordCheck = v);
        changes.Set(nameof(row.HistoryDepth), row.HistoryDepth, HistoryDepth, v => row.HistoryDepth = v);
        changes.Set(nameof(row.HistoryOnReset), row.HistoryOnReset, HistoryOnReset, v => row.HistoryOnReset = v);
        changes.Set(nameof(row.ExpiryDays), row.ExpiryDays, ExpiryDays, v => row.ExpiryDays = v);
        changes.Set(nameof(row.ExpiryWarningDays), row.ExpiryWarningDays, ExpiryWarningDays, v => row.ExpiryWarningDays = v);
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

        return changes.All;
    }

    public static PasswordPolicyInput From(PasswordPolicySettings policy, IEnumerable<string> terms)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new PasswordPolicyInput
        {
            MinimumLength = policy.MinimumLength, MaximumLength = policy.MaximumLength, RequireCharacterClasses = policy.RequireCharacterClasses,
            BannedPasswordCheck = policy.BannedPasswordCheck, HistoryDepth = policy.HistoryDepth, HistoryOnReset = policy.HistoryOnReset,
            ExpiryDays = policy.ExpiryDays, ExpiryWarningDays = policy.ExpiryWarningDays,
            CustomBannedTerms = string.Join('\n', terms.Order(StringComparer.OrdinalIgnoreCase)),
        };
    }

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

    public IEnumerable<(string Field, string Message)> Problems()
    {
        if (MaximumLockoutSeconds < FirstLockoutSeconds)
        {
            yield return (nameof(MaximumLockoutSeconds), "The longest lockout cannot be shorter than the first.");
        }
    }

    public IReadOnlyList<string> ApplyTo(LockoutPolicySettings row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var changes = new PolicyChanges("lockout");
        changes.Set(nameof(row.Threshold), row.Threshold, Threshold, v => row.Threshold = v);
        changes.Set(nameof(row.FirstLockoutSeconds), row.FirstLockoutSeconds, FirstLockoutSeconds, v => row.FirstLockoutSeconds = v);
        changes.Set(nameof(row.MaximumLockoutSeconds), row.MaximumLockoutSeconds, MaximumLockoutSeconds, v => row.MaximumLockoutSeconds = v);
        return changes.All;
    }

    public static LockoutPolicyInput From(LockoutPolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new LockoutPolicyInput { Threshold = policy.Threshold, FirstLockoutSeconds = policy.FirstLockoutSeconds, MaximumLockoutSeconds = policy.MaximumLockoutSeconds };
    }
}
