using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Groups;

/// <summary>Groups and their nesting, which the self-service policy enables by. Members are added on each user's page.</summary>
[Authorize(Policy = AdminRoles.SettingsPolicy)]
public sealed class IndexModel(ApplicationDbContext db, SsprPolicyStore policies, AuditLog audit) : PageModel
{
    public IReadOnlyList<(Group Group, string? Parent, int Members, bool Enabled)> Rows { get; private set; } = [];

    public IReadOnlyList<Group> All { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public Guid? ParentId { get; set; }

    public string? Message { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync()
    {
        await LoadAsync();
        var name = Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            ModelState.AddModelError(nameof(Name), "Give the group a name of 1 to 200 characters.");
        }
        else if (All.Any(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            ModelState.AddModelError(nameof(Name), "A group with that name exists already.");
        }

        if (ParentId is { } parent && All.All(g => g.Id != parent))
        {
            ModelState.AddModelError(nameof(ParentId), "Choose a parent group from the list.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var group = new Group { Name = name!, ParentGroupId = ParentId };
        db.Add(group);
        audit.Add(AuditEventTypes.AdminGroupChanged, null, AuditLog.Success, $"by {Actor}: created group {group.Id} '{Trim(name!)}'");
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        Message = $"The group {name} is created.";
        Name = null;
        ParentId = null;
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id)
    {
        await LoadAsync();
        var group = await db.Set<Group>().FirstOrDefaultAsync(g => g.Id == id, HttpContext.RequestAborted);
        if (group is null)
        {
            return NotFound();
        }

        var policy = await policies.GetAsync(HttpContext.RequestAborted);
        if (await db.Set<Group>().AnyAsync(g => g.ParentGroupId == id, HttpContext.RequestAborted))
        {
            ModelState.AddModelError(string.Empty, "This group has groups nested in it: move or delete those first.");
        }
        else if (policy.GroupIds.Contains(id))
        {
            ModelState.AddModelError(string.Empty, "Self-service is enabled for this group: change the self-service policy first.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        await db.Set<GroupMembership>().Where(m => m.GroupId == id).ExecuteDeleteAsync(HttpContext.RequestAborted);
        db.Remove(group);
        audit.Add(AuditEventTypes.AdminGroupChanged, null, AuditLog.Success, $"by {Actor}: deleted group {id} '{Trim(group.Name)}'");
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        Message = $"The group {group.Name} is deleted.";
        await LoadAsync();
        return Page();
    }

    private string? Actor => User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;

    private static string Trim(string name) => name.Length > 60 ? name[..60] : name;

    private async Task LoadAsync()
    {
        All = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).ToListAsync(HttpContext.RequestAborted);
        var counts = await db.Set<GroupMembership>().GroupBy(m => m.GroupId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, HttpContext.RequestAborted);
        var enabled = (await policies.GetAsync(HttpContext.RequestAborted)).GroupIds.ToHashSet();
        var names = All.ToDictionary(g => g.Id, g => g.Name);
        Rows = All.Select(g => (g, g.ParentGroupId is { } p && names.TryGetValue(p, out var parent) ? parent : null, counts.GetValueOrDefault(g.Id), enabled.Contains(g.Id))).ToList();
    }
}
