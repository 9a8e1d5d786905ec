using IdentityProvider.Data;
using IdentityProvider.SelfService.Helpdesk;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Requests;

/// <summary>The helpdesk queue: open and assigned requests first, oldest first; resolved ones on request.</summary>
[Authorize(Policy = AdminPolicies.UsersPolicy)]
public sealed class IndexModel(ApplicationDbContext db) : PageModel
{
    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true)]
    public bool Resolved { get; set; }

    public IReadOnlyList<HelpdeskRequest> Requests { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var query = db.Set<HelpdeskRequest>().AsNoTracking();
        Requests = Resolved
            ? await query.Where(r => r.Status == HelpdeskRequestStatus.Resolved).OrderByDescending(r => r.ResolvedAt).Take(200).ToListAsync(HttpContext.RequestAborted)
            : await query.Where(r => r.Status != HelpdeskRequestStatus.Resolved).OrderBy(r => r.CreatedAt).Take(500).ToListAsync(HttpContext.RequestAborted);
    }
}
