using System.ComponentModel.DataAnnotations;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.Helpdesk;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Requests;

/// <summary>One request: who, why, the user's recent self-service history, and assign / resolve.</summary>
[Authorize(Policy = AdminPolicies.UsersPolicy)]
public sealed class DetailsModel(
    ApplicationDbContext db,
    UserManager<ApplicationUser> users,
    HelpdeskRequests requests,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    [StringLength(HelpdeskRequests.MaximumResolutionLength, ErrorMessage = "Describe what you did in at most 500 characters.")]
    public string? Resolution { get; set; }

    public HelpdeskRequest HelpRequest { get; private set; } = null!;

    public IReadOnlyList<AuditEvent> History { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public async Task<IActionResult> OnPostAssignAsync()
    {
        if (await LoadAsync() is { } missing)
        {
            return missing;
        }

        var me = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        Report(await requests.AssignAsync(HelpRequest, me, HttpContext.RequestAborted), texts["The request is assigned to you."]);
        return await LoadAsync() ?? Page();
    }

    public async Task<IActionResult> OnPostResolveAsync()
    {
        if (await LoadAsync() is { } missing)
        {
            return missing;
        }

        if (string.IsNullOrWhiteSpace(Resolution))
        {
            ModelState.AddModelError(nameof(Resolution), texts["Say what you did, for example \"Reset the password after a call-back\"."]);
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var me = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        Report(await requests.ResolveAsync(HelpRequest, me, Resolution!.Trim(), HttpContext.RequestAborted), texts["The request is resolved."]);
        return await LoadAsync() ?? Page();
    }

    private void Report(bool done, string message)
    {
        if (done)
        {
            Message = message;
        }
        else
        {
            ModelState.AddModelError(string.Empty, texts["Someone else changed this request, or it is already resolved. Nothing was changed."]);
        }
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var found = await db.Set<HelpdeskRequest>().FirstOrDefaultAsync(r => r.Id == Id, HttpContext.RequestAborted);
        if (found is null)
        {
            return NotFound();
        }

        HelpRequest = found;
        History = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.UserId == found.UserId && e.EventType.StartsWith("sspr."))
            .OrderByDescending(e => e.Id).Take(50).ToListAsync(HttpContext.RequestAborted);
        return null;
    }
}
