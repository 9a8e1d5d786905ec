using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Groups;

/// <summary>Groups and their nesting, which the self-service policy enables by. Members are added on each user's page.</summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class IndexModel(AdminGroups groups) : PageModel
{
    public IReadOnlyList<GroupView> Groups { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public Guid? ParentId { get; set; }

    public string? Message { get; private set; }

    public string NameOf(Guid? id) => Groups.FirstOrDefault(g => g.Id == id)?.Name ?? "—";

    public async Task OnGetAsync() => Groups = await groups.ListAsync(HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostCreateAsync()
    {
        var (group, field, error) = await groups.CreateAsync(Actor, Name, ParentId, HttpContext.RequestAborted);
        if (group is null)
        {
            ModelState.AddModelError(field == "parentId" ? nameof(ParentId) : nameof(Name), error!);
        }
        else
        {
            Message = $"The group {group.Name} is created.";
            (Name, ParentId) = (null, null);
        }

        Groups = await groups.ListAsync(HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id)
    {
        var name = (await groups.ListAsync(HttpContext.RequestAborted)).FirstOrDefault(g => g.Id == id)?.Name;
        var (found, refusal) = await groups.DeleteAsync(Actor, id, HttpContext.RequestAborted);
        if (!found)
        {
            return NotFound();
        }

        if (refusal is not null)
        {
            ModelState.AddModelError(string.Empty, refusal);
        }
        else
        {
            Message = $"The group {name} is deleted.";
        }

        Groups = await groups.ListAsync(HttpContext.RequestAborted);
        return Page();
    }

    private string Actor => User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value ?? "unknown";
}
