using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Clients;

/// <summary>The relying apps registered here.</summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class IndexModel(AdminClients clients) : PageModel
{
    public IReadOnlyList<ClientInput> Clients { get; private set; } = [];

    public async Task OnGetAsync() => Clients = await clients.ListAsync(HttpContext.RequestAborted);
}
