using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>The administration home: what this person's roles let them open.</summary>
public sealed class IndexModel : PageModel
{
    public bool CanManageUsers => User.IsInRole(AdminRoles.Administrator) || User.IsInRole(AdminRoles.Helpdesk);

    public bool CanReadAudit => User.IsInRole(AdminRoles.Administrator) || User.IsInRole(AdminRoles.Auditor);
}
