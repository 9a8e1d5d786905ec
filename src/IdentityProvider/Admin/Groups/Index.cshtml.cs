using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Groups;

/// <summary>Groups and their nesting, which the self-service policy enables by. Members are added on each user's page.</summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class IndexModel(AdminGroups groups, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
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
            ModelState.AddModelError(field == "parentId" ? nameof(ParentId) : nameof(Name), texts[error!]);
        }
        else
        {
            Message = texts["The group {0} is created.", group.Name];
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
            ModelState.AddModelError(string.Empty, texts[refusal]);
        }
        else
        {
            Message = texts["The group {0} is deleted.", name ?? string.Empty];
        }

        Groups = await groups.ListAsync(HttpContext.RequestAborted);
        return Page();
    }

    private string Actor => User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value ?? "unknown";
}
