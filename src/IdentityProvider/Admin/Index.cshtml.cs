using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>The administration home: what this person's roles let them open.</summary>
public sealed class IndexModel : PageModel
{
    public bool CanManageUsers => User.IsInRole(StaffRoles.Administrator) || User.IsInRole(StaffRoles.Helpdesk);

    public bool CanReadAudit => User.IsInRole(StaffRoles.Administrator) || User.IsInRole(StaffRoles.Auditor);
}
