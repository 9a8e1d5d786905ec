using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Policies;

/// <summary>
/// The multi-factor sign-in policy: who must prove a second factor, with which methods, how long a browser is remembered
/// and how long users may put off registering a method. Every changed setting is audited with its old and new value.
/// "Require for the Staff group" is the same audited save with the group named <see cref="StaffGroupName"/> added.
/// </summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class MultiFactorModel(ApplicationDbContext db, StoredPolicy<MultiFactorPolicySettings> store, PolicyEditor<MultiFactorPolicySettings> editor, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    /// <summary>The group the one-click button adds (the organisation's employees in the demo).</summary>
    public const string StaffGroupName = "Staff";

    private static readonly JsonSerializerOptions Copying = new(JsonSerializerDefaults.Web);

    /// <summary>The form; its lists start empty so that a list with nothing ticked binds as empty.</summary>
    [BindProperty]
    public MultiFactorPolicySettings Input { get; set; } = new() { Methods = [] };

    public IReadOnlyList<Group> AllGroups { get; private set; } = [];

    /// <summary>The group named Staff, when there is one.</summary>
    public Group? StaffGroup { get; private set; }

    /// <summary>Whether the one-click button is offered: a Staff group exists and the stored policy does not cover it yet.</summary>
    public bool OfferStaffButton { get; private set; }

    public string? Saved { get; private set; }

    public async Task OnGetAsync()
    {
        Input = await store.GetAsync(HttpContext.RequestAborted);
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Request.HasFormContentType || !Request.Form.ContainsKey("Input.Methods"))
        {
            // Nothing ticked: the binder would otherwise keep the class's default list.
            Input.Methods = [];
            ModelState.AddModelError("Input.Methods", texts["Allow at least one method."]);
        }

        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync();
            return Page();
        }

        Input = await editor.SaveAsync(Input, HttpContext.RequestAborted);
        Saved = texts["The multi-factor policy is saved."];
        await LoadAsync();
        return Page();
    }

    /// <summary>Scope becomes "selected groups" with the Staff group added to those already chosen.</summary>
    public async Task<IActionResult> OnPostRequireStaffAsync()
    {
        ModelState.Clear();
        var current = await store.GetAsync(HttpContext.RequestAborted);
        Input = current;
        await LoadAsync();
        if (StaffGroup is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            ModelState.AddModelError(string.Empty, texts["There is no group named {0}.", StaffGroupName]);
            return Page();
        }

        if (!OfferStaffButton)
        {
            Saved = texts["The policy already requires a second factor for the {0} group.", StaffGroupName];
            return Page();
        }

        // A copy: the stored policy is shared by every request on this node.
        var edited = JsonSerializer.Deserialize<MultiFactorPolicySettings>(JsonSerializer.Serialize(current, Copying), Copying)!;
        edited.Scope = MultiFactorScope.Selected;
        edited.Groups = [.. edited.Groups, StaffGroup.Id];
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(edited, new ValidationContext(edited, HttpContext.RequestServices, items: null), results, validateAllProperties: true))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            foreach (var result in results)
            {
                ModelState.AddModelError(string.Empty, result.ErrorMessage ?? texts["The policy is not valid."]);
            }

            return Page();
        }

        Input = await editor.SaveAsync(edited, HttpContext.RequestAborted);
        Saved = texts["Members of the {0} group must now use a second factor.", StaffGroupName];
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        AllGroups = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).Take(500).ToListAsync(HttpContext.RequestAborted);
        StaffGroup = await db.Set<Group>().AsNoTracking().FirstOrDefaultAsync(g => g.Name == StaffGroupName, HttpContext.RequestAborted);
        var stored = await store.GetAsync(HttpContext.RequestAborted);
        OfferStaffButton = StaffGroup is not null && stored.Scope != MultiFactorScope.All
            && !(stored.Scope == MultiFactorScope.Selected && stored.Groups.Contains(StaffGroup.Id));
    }

    /// <summary>How each method reads on the form.</summary>
    public string Describe(SignInMethod method) => method switch
    {
        SignInMethod.Passkey => texts["Passkey or security key"],
        SignInMethod.AuthenticatorApp => texts["Authenticator app code"],
        SignInMethod.MobileText => texts["Code by text message to the verified mobile"],
        SignInMethod.MobileCall => texts["Code by phone call to the verified mobile"],
        SignInMethod.AlternateEmail => texts["Code by email to the verified alternate address"],
        SignInMethod.BackupCode => texts["Backup code (one-time codes the user printed or saved)"],
        _ => method.ToString(),
    };
}
