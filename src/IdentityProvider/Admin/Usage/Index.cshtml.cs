using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Usage;

/// <summary>Who can reset on their own, what self-service did, and the sign-ins with a second factor by method, over the last 24 hours, 7 days or 30 days.</summary>
[Authorize(Policy = AdminPolicies.AuditPolicy)]
public sealed class IndexModel(UsageReport report) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Period { get; set; } = "7d";

    public UsageFigures Figures { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        var span = Period switch
        {
            "24h" => TimeSpan.FromHours(24),
            "30d" => TimeSpan.FromDays(30),
            _ => TimeSpan.FromDays(7),
        };
        Period = Period is "24h" or "30d" ? Period : "7d";
        Figures = await report.BuildAsync(span, HttpContext.RequestAborted);
    }
}
