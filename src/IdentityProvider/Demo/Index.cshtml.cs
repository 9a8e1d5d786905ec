using IdentityProvider.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Demo;

/// <summary>The demo relying party of the embedded default. Not found unless <see cref="DemoOptions.EnableDemoPage"/> is on.</summary>
[AllowAnonymous]
public sealed class DemoPageModel(IOptions<DemoOptions> demo, IOptions<OrganizationOptions> organization) : PageModel
{
    public string ClientId => DemoSeeder.SpaClientId;

    public string OrganizationName => organization.Value.Name;

    public IActionResult OnGet() => demo.Value.EnableDemoPage ? Page() : NotFound();
}
