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
public sealed class SelfServiceModel(ApplicationDbContext db, StoredPolicy<SelfServicePolicySettings> store, PolicyEditor<SelfServicePolicySettings> editor) : PageModel
{
    /// <summary>The form; its lists start empty so that a list with nothing ticked binds as empty.</summary>
    [BindProperty]
    public SelfServicePolicySettings Input { get; set; } = new() { Methods = [] };

    public IReadOnlyList<Group> AllGroups { get; private set; } = [];

    public bool Saved { get; private set; }

    public async Task OnGetAsync()
    {
        Input = await store.GetAsync(HttpContext.RequestAborted);
        await LoadGroupsAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadGroupsAsync();
        if (!ModelState.IsValid)
        {
            return Page();
        }

        Input = await editor.SaveAsync(Input, HttpContext.RequestAborted);
        Saved = true;
        return Page();
    }

    private async Task LoadGroupsAsync() =>
        AllGroups = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).Take(500).ToListAsync(HttpContext.RequestAborted);
}
