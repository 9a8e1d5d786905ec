using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Policies;

/// <summary>
/// The self-service and registration policy: who may reset, with which methods, how many, and the registration
/// rules. Every changed setting is audited with its old and new value. Other nodes pick the change up within 30 seconds.
/// </summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class SelfServiceModel(ApplicationDbContext db, SsprPolicyStore store, AuditLog audit, TimeProvider time) : PageModel
{
    [BindProperty]
    public SsprPolicyInput Input { get; set; } = new();

    public IReadOnlyList<Group> AllGroups { get; private set; } = [];

    public bool Saved { get; private set; }

    public async Task OnGetAsync()
    {
        var policy = await store.GetAsync(HttpContext.RequestAborted);
        Input = SsprPolicyInput.From(policy);
        await LoadGroupsAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadGroupsAsync();
        foreach (var (field, message) in Input.Problems(AllGroups.Select(g => g.Id).ToHashSet()))
        {
            ModelState.AddModelError("Input." + field, message);
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        await store.GetAsync(HttpContext.RequestAborted);
        var row = await db.Set<SsprPolicySettings>().SingleAsync(HttpContext.RequestAborted);
        var changes = Input.ApplyTo(row);
        if (changes.Count > 0)
        {
            row.UpdatedAt = time.GetUtcNow();
            var actor = User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
            foreach (var change in changes)
            {
                audit.Add(AuditEventTypes.AdminPolicyChanged, actor, AuditLog.Success, change.Length > 200 ? change[..200] : change);
            }

            await db.SaveChangesAsync(HttpContext.RequestAborted);
            store.Invalidate();
        }

        Saved = true;
        return Page();
    }

    private async Task LoadGroupsAsync() =>
        AllGroups = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).Take(500).ToListAsync(HttpContext.RequestAborted);
}

/// <summary>The policy as the form (and the API) edits it.</summary>
public sealed class SsprPolicyInput
{
    public SsprScope Scope { get; set; }

    public List<Guid> Groups { get; set; } = [];

    public List<RecoveryMethod> Methods { get; set; } = [];

    [Range(1, 2, ErrorMessage = "Choose 1 or 2 methods.")]
    public int MethodsRequired { get; set; } = 1;

    [Range(3, 5, ErrorMessage = "Users register 3 to 5 questions.")]
    public int QuestionsToRegister { get; set; } = 3;

    [Range(3, 5, ErrorMessage = "A reset asks 3 to 5 questions.")]
    public int QuestionsToReset { get; set; } = 3;

    public bool AllowUnlockWithoutReset { get; set; }

    public bool PrivateOutcomes { get; set; }

    [StringLength(500, ErrorMessage = "At most 500 characters.")]
    public string? ContactAdministrator { get; set; }

    public bool NotifyUserOnReset { get; set; }

    public bool NotifyAdministratorsOnAdminReset { get; set; }

    public bool RegistrationRequired { get; set; }

    public bool RegistrationSkippable { get; set; }

    [Range(0, 730, ErrorMessage = "Between 0 (never) and 730 days.")]
    public int ReconfirmDays { get; set; }

    public static SsprPolicyInput From(SsprPolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SsprPolicyInput
        {
            Scope = policy.Scope,
            Groups = [.. policy.GroupIds],
            Methods = [.. policy.AllowedMethods.Order()],
            MethodsRequired = policy.MethodsRequired,
            QuestionsToRegister = policy.QuestionsToRegister,
            QuestionsToReset = policy.QuestionsToReset,
            AllowUnlockWithoutReset = policy.AllowUnlockWithoutReset,
            PrivateOutcomes = policy.PrivateOutcomes,
            ContactAdministrator = policy.ContactAdministrator,
            NotifyUserOnReset = policy.NotifyUserOnReset,
            NotifyAdministratorsOnAdminReset = policy.NotifyAdministratorsOnAdminReset,
            RegistrationRequired = policy.RegistrationRequired,
            RegistrationSkippable = policy.RegistrationSkippable,
            ReconfirmDays = policy.ReconfirmDays,
        };
    }

    /// <summary>Rules that span fields, each with the field it belongs to.</summary>
    public IEnumerable<(string Field, string Message)> Problems(IReadOnlySet<Guid> knownGroups)
    {
        ArgumentNullException.ThrowIfNull(knownGroups);
        if (!Enum.IsDefined(Scope))
        {
            yield return (nameof(Scope), "Choose who may reset.");
        }

        if (Scope == SsprScope.Selected && Groups.Count == 0)
        {
            yield return (nameof(Groups), "Choose at least one group, or another scope.");
        }

        if (Groups.Any(g => !knownGroups.Contains(g)))
        {
            yield return (nameof(Groups), "One of the groups does not exist.");
        }

        if (Methods.Count == 0 || Methods.Any(m => !Enum.IsDefined(m)))
        {
            yield return (nameof(Methods), "Allow at least one method.");
        }
        else if (Methods.Select(SsprEligibilityEvaluator.MethodGroup).Distinct().Count() < MethodsRequired)
        {
            yield return (nameof(Methods), $"Allow at least {MethodsRequired} different methods (text and call to a mobile count as one).");
        }

        if (QuestionsToReset > QuestionsToRegister)
        {
            yield return (nameof(QuestionsToReset), "A reset cannot ask more questions than users register.");
        }

        if (!string.IsNullOrWhiteSpace(ContactAdministrator) && !ContactAdministrator.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            && !System.Net.Mail.MailAddress.TryCreate(ContactAdministrator.Trim(), out _))
        {
            yield return (nameof(ContactAdministrator), "Leave it empty (email the helpdesk), or give an email address or an https:// page.");
        }
    }

    /// <summary>Copies the input onto the stored row; returns "setting: old → new" for each change.</summary>
    public IReadOnlyList<string> ApplyTo(SsprPolicySettings row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var changes = new PolicyChanges("sspr");
        changes.Set(nameof(Scope), row.Scope, Scope, v => row.Scope = v);
        changes.Set("Groups", string.Join(',', row.GroupIds.Order()), string.Join(',', Groups.Distinct().Order()), v => row.SelectedGroupIds = v);
        changes.Set(nameof(Methods), string.Join(',', row.AllowedMethods.Order()), string.Join(',', Methods.Distinct().Order()), v => row.Methods = v);
        changes.Set(nameof(MethodsRequired), row.MethodsRequired, MethodsRequired, v => row.MethodsRequired = v);
        changes.Set(nameof(QuestionsToRegister), row.QuestionsToRegister, QuestionsToRegister, v => row.QuestionsToRegister = v);
        changes.Set(nameof(QuestionsToReset), row.QuestionsToReset, QuestionsToReset, v => row.QuestionsToReset = v);
        changes.Set(nameof(AllowUnlockWithoutReset), row.AllowUnlockWithoutReset, AllowUnlockWithoutReset, v => row.AllowUnlockWithoutReset = v);
        changes.Set(nameof(PrivateOutcomes), row.PrivateOutcomes, PrivateOutcomes, v => row.PrivateOutcomes = v);
        changes.Set(nameof(ContactAdministrator), row.ContactAdministrator, string.IsNullOrWhiteSpace(ContactAdministrator) ? null : ContactAdministrator.Trim(), v => row.ContactAdministrator = v);
        changes.Set(nameof(NotifyUserOnReset), row.NotifyUserOnReset, NotifyUserOnReset, v => row.NotifyUserOnReset = v);
        changes.Set(nameof(NotifyAdministratorsOnAdminReset), row.NotifyAdministratorsOnAdminReset, NotifyAdministratorsOnAdminReset, v => row.NotifyAdministratorsOnAdminReset = v);
        changes.Set(nameof(RegistrationRequired), row.RegistrationRequired, RegistrationRequired, v => row.RegistrationRequired = v);
        changes.Set(nameof(RegistrationSkippable), row.RegistrationSkippable, RegistrationSkippable, v => row.RegistrationSkippable = v);
        changes.Set(nameof(ReconfirmDays), row.ReconfirmDays, ReconfirmDays, v => row.ReconfirmDays = v);
        return changes.All;
    }
}
