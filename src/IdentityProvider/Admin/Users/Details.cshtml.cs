using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

/// <summary>One user: state, recovery methods (when registered, never their values' secrets), groups, roles, and the actions.</summary>
[Authorize(Policy = AdminRoles.UsersPolicy)]
public sealed class DetailsModel(
    UserManager<ApplicationUser> users,
    ApplicationDbContext db,
    AdminUserActions actions,
    SecurityQuestions questions,
    SsprEligibilityEvaluator eligibility,
    TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    public ApplicationUser Target { get; private set; } = null!;

    public IList<string> Roles { get; private set; } = [];

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public int Questions { get; private set; }

    public SsprEligibility Eligibility { get; private set; } = null!;

    public bool MayAct { get; private set; }

    public bool IsAdministrator { get; private set; }

    public string? TemporaryPassword { get; private set; }

    public string? Message { get; private set; }

    public bool Locked => Target.LockoutEnd > time.GetUtcNow();

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public Task<IActionResult> OnPostResetPasswordAsync() => ActAsync(async (actor, target) =>
    {
        var (result, temporary) = await actions.ResetPasswordAsync(actor, target, HttpContext.RequestAborted);
        TemporaryPassword = temporary;
        return (result, "The password was reset. Give the user the temporary password below: it is shown only now, and they must change it when they sign in.");
    });

    public Task<IActionResult> OnPostUnlockAsync() => ActAsync(async (actor, target) =>
        (await actions.UnlockAsync(actor, target, HttpContext.RequestAborted), "The account is unlocked."));

    public Task<IActionResult> OnPostRevokeAsync() => ActAsync(async (actor, target) =>
        (await actions.RevokeSessionsAsync(actor, target, HttpContext.RequestAborted), "The user's sessions and tokens were revoked."));

    public Task<IActionResult> OnPostDisableAsync() => ActAsync(async (actor, target) =>
        (await actions.SetEnabledAsync(actor, target, enabled: false, HttpContext.RequestAborted), "The account is disabled."));

    public Task<IActionResult> OnPostEnableAsync() => ActAsync(async (actor, target) =>
        (await actions.SetEnabledAsync(actor, target, enabled: true, HttpContext.RequestAborted), "The account is enabled."));

    public Task<IActionResult> OnPostExternalAsync(bool external) => ActAsync(async (actor, target) =>
        (await actions.SetManagedExternallyAsync(actor, target, external, HttpContext.RequestAborted),
            external ? "The password is now marked as managed in another directory." : "The password is managed here again."));

    private async Task<IActionResult> ActAsync(Func<AdminActor, ApplicationUser, Task<(AdminActionResult Result, string Done)>> action)
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        var staff = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        var (result, done) = await action(await actions.ActorAsync(staff), Target);
        switch (result)
        {
            case AdminActionResult.Done:
                Message = done;
                break;
            case AdminActionResult.NotAllowed:
                Response.StatusCode = StatusCodes.Status403Forbidden;
                ModelState.AddModelError(string.Empty, "Only administrators can do this to an administrator's account.");
                break;
            case AdminActionResult.LastAdministrator:
                Response.StatusCode = StatusCodes.Status409Conflict;
                ModelState.AddModelError(string.Empty, "This is the last enabled administrator: enable or appoint another administrator first.");
                break;
            default:
                ModelState.AddModelError(string.Empty, "That did not work. Nothing was changed.");
                break;
        }

        await LoadAsync();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var found = Id.Length is > 0 and <= 450 ? await users.FindByIdAsync(Id) : null;
        if (found is null)
        {
            return NotFound();
        }

        Target = found;
        Roles = await users.GetRolesAsync(found);
        IsAdministrator = Roles.Contains(AdminRoles.Administrator);
        Groups = await db.Set<GroupMembership>().Where(m => m.UserId == found.Id)
            .Join(db.Set<Group>(), m => m.GroupId, g => g.Id, (_, g) => g.Name).OrderBy(n => n).ToListAsync(HttpContext.RequestAborted);
        Questions = await questions.CountAsync(found.Id, HttpContext.RequestAborted);
        Eligibility = await eligibility.EvaluateAsync(found, HttpContext.RequestAborted);
        var staff = await users.GetUserAsync(User);
        MayAct = staff is not null && await actions.MayActOnAsync(await actions.ActorAsync(staff), found);
        return null;
    }

    public static string When(DateTimeOffset? at) => at?.ToString("d MMM yyyy HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "—";
}
