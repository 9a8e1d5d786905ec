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

    /// <summary>The password of <c>riley</c>, the demo user with every method (published, as the seeder's are).</summary>
    public string RileyPassword => DemoSeeder.RecoveryUsersPassword;

    /// <summary>The authenticator key of <c>riley</c>, to add to an authenticator app.</summary>
    public string RileyAuthenticatorSecret => DemoSeeder.RileyAuthenticatorSecret;

    /// <summary>The group the multi-factor policy page's one-click button requires a second factor for.</summary>
    public string StaffGroup => DemoSeeder.StaffGroup;

    public IActionResult OnGet() => demo.Value.EnableDemoPage ? Page() : NotFound();
}
