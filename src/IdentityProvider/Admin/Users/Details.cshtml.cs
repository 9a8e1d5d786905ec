using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

/// <summary>
/// One user: state, recovery methods (when registered, never their values' secrets), groups, roles, and the actions
/// the staff permission table allows this viewer (<see cref="StaffPermissions"/>). Opening it is an audit event; a
/// staff account's details are shown to administrators only.
/// </summary>
[Authorize(Policy = AdminPolicies.UsersPolicy)]
public sealed class DetailsModel(
    UserManager<ApplicationUser> users,
    ApplicationDbContext db,
    AdminActionGuard guard,
    SecurityQuestions questions,
    SelfServiceEligibilityEvaluator eligibility,
    IdentityProvider.Audit.AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts,
    TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    public ApplicationUser Target { get; private set; } = null!;

    public IList<string> Roles { get; private set; } = [];

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public int Questions { get; private set; }

    public SelfServiceEligibility Eligibility { get; private set; } = null!;

    /// <summary>This viewer may see the account's details.</summary>
    public bool MayView { get; private set; }

    /// <summary>This viewer may change the account (profile, password, lockout, sessions, state).</summary>
    public bool MayAct { get; private set; }

    /// <summary>This viewer may change roles, groups and where the password is managed.</summary>
    public bool MayAdminister { get; private set; }

    /// <summary>This viewer may remove a lost device, reset backup codes and require re-registration.</summary>
    public bool MayManageSignInMethods { get; private set; }

    /// <summary>The user's second-factor methods.</summary>
    public SignInMethodsView SignInMethods { get; private set; } = null!;

    [BindProperty]
    public Guid PasskeyId { get; set; }

    public bool IsAdministrator { get; private set; }

    public string? TemporaryPassword { get; private set; }

    [BindProperty]
    public ProfileInput Profile { get; set; } = new();

    [BindProperty]
    public Guid? GroupId { get; set; }

    [BindProperty]
    public List<string> StaffRoles { get; set; } = [];

    public IReadOnlyList<Group> AllGroups { get; private set; } = [];

    public IReadOnlyList<Group> MemberOf { get; private set; } = [];

    public string? Message { get; private set; }

    /// <summary>
    /// Set by the confirmation step of a destructive action: the action runs only when this comes back true from
    /// the confirmation form, so a single click (or a forged post) only shows what would happen.
    /// </summary>
    [BindProperty]
    public bool Confirmed { get; set; }

    /// <summary>The destructive action waiting for a confirmation, when this page is its confirmation step.</summary>
    public Confirmation? Confirming { get; private set; }

    public bool Locked => Target.LockoutEnd > time.GetUtcNow();

    /// <summary>For a directory user: whether their directory has locked the account (null: a local user, or the directory didn't answer).</summary>
    public bool? LockedInDirectory { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromServices] IdentityProvider.Directories.DirectoryAccounts directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (await LoadAsync() is { } missing)
        {
            return missing;
        }


        if (!MayView)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        LockedInDirectory = await directories.IsLockedInDirectoryAsync(Target, HttpContext.RequestAborted);
        await audit.WriteAsync(IdentityProvider.Audit.AuditEventTypes.AdminUserViewed, Target.Id, IdentityProvider.Audit.AuditLog.Success, "page", cancellationToken: HttpContext.RequestAborted);
        TemporaryPassword = TempData["new-user-password"] as string;
        if (Request.Query.ContainsKey("created"))
        {
            Message = TemporaryPassword is null ? texts["The user is created."] : texts["The user is created. Give them the temporary password below: it is shown only now."];
        }

        Profile = new ProfileInput
        {
            GivenName = Target.GivenName, FamilyName = Target.FamilyName, Email = Target.Email,
            AlternateEmail = Target.AlternateEmail, MobilePhone = Target.MobilePhone, OfficePhone = Target.OfficePhone,
        };
        return Page();
    }

    public Task<IActionResult> OnPostProfileAsync([FromServices] UpdateUserAction update) => ActAsync(async (actor, target) =>
    {
        var (result, errors) = await update.RunAsync(actor, target, new UpdateUserRequest(
            Profile.GivenName ?? string.Empty, Profile.FamilyName ?? string.Empty, Profile.Email ?? string.Empty, Profile.AlternateEmail ?? string.Empty,
            Profile.MobilePhone ?? string.Empty, Profile.OfficePhone ?? string.Empty, Enabled: null, PasswordManagedExternally: null), HttpContext.RequestAborted);
        foreach (var (field, messages) in errors ?? [])
        {
            foreach (var message in messages)
            {
                ModelState.AddModelError("Profile." + field, texts[message]);
            }
        }

        return (result == AdminActionResult.Failed && errors is not null ? AdminActionResult.Invalid : result, texts["The profile is saved."]);
    });

    public Task<IActionResult> OnPostRolesAsync([FromServices] SetRolesAction setRoles) => ActAsync(async (actor, target) =>
        (await setRoles.RunAsync(actor, target, StaffRoles, HttpContext.RequestAborted), texts["The roles are saved."]));

    public Task<IActionResult> OnPostAddGroupAsync([FromServices] SetGroupAction setGroup) => ActAsync(async (actor, target) =>
        (await setGroup.RunAsync(actor, target, GroupId, member: true, HttpContext.RequestAborted), texts["Added to the group."]));

    public Task<IActionResult> OnPostRemoveGroupAsync([FromServices] SetGroupAction setGroup) => ActAsync(async (actor, target) =>
        (await setGroup.RunAsync(actor, target, GroupId, member: false, HttpContext.RequestAborted), texts["Removed from the group."]));

    public Task<IActionResult> OnPostResetPasswordAsync([FromServices] ResetPasswordAction resetPassword) => ConfirmedAsync("ResetPassword", async (actor, target) =>
    {
        var (result, temporary) = await resetPassword.RunAsync(actor, target, HttpContext.RequestAborted);
        TemporaryPassword = temporary;
        return (result, texts["The password was reset. Give the user the temporary password below: it is shown only now, and they must change it when they sign in."]);
    });

    public Task<IActionResult> OnPostUnlockAsync([FromServices] UnlockAction unlock) => ActAsync(async (actor, target) =>
        (await unlock.RunAsync(actor, target, HttpContext.RequestAborted), texts["The account is unlocked."]));

    public Task<IActionResult> OnPostRevokeAsync([FromServices] RevokeSessionsAction revokeSessions) => ConfirmedAsync("Revoke", async (actor, target) =>
        (await revokeSessions.RunAsync(actor, target, HttpContext.RequestAborted), texts["The user's sessions and tokens were revoked."]));

    public Task<IActionResult> OnPostRemoveAuthenticatorAsync([FromServices] RemoveAuthenticatorAction removeAuthenticator) => ConfirmedAsync("RemoveAuthenticator", async (actor, target) =>
        (await removeAuthenticator.RunAsync(actor, target, HttpContext.RequestAborted),
            texts["The authenticator app was removed and the user was told by email. They can set up a new one on their security info page."]));

    public Task<IActionResult> OnPostRemovePasskeyAsync([FromServices] RemovePasskeyAction removePasskey) => ConfirmedAsync("RemovePasskey", async (actor, target) =>
        (await removePasskey.RunAsync(actor, target, PasskeyId, HttpContext.RequestAborted),
            texts["The passkey was removed and the user was told by email. It no longer signs in."]));

    public Task<IActionResult> OnPostResetBackupCodesAsync([FromServices] ResetBackupCodesAction resetBackupCodes) => ConfirmedAsync("ResetBackupCodes", async (actor, target) =>
        (await resetBackupCodes.RunAsync(actor, target, HttpContext.RequestAborted),
            texts["The backup codes were deleted and the user was told by email. They can generate new ones on their security info page."]));

    public Task<IActionResult> OnPostRequireRegistrationAsync([FromServices] RequireSecondFactorRegistrationAction requireRegistration) => ConfirmedAsync("RequireRegistration", async (actor, target) =>
        (await requireRegistration.RunAsync(actor, target, HttpContext.RequestAborted),
            texts["The authenticator app, passkeys and backup codes were removed and the user was told by email. Their next sign-in asks them to set up a second factor."]));

    public Task<IActionResult> OnPostDisableAsync([FromServices] SetEnabledAction setEnabled) => ConfirmedAsync("Disable", async (actor, target) =>
        (await setEnabled.RunAsync(actor, target, enabled: false, HttpContext.RequestAborted), texts["The account is disabled."]));

    public Task<IActionResult> OnPostEnableAsync([FromServices] SetEnabledAction setEnabled) => ActAsync(async (actor, target) =>
        (await setEnabled.RunAsync(actor, target, enabled: true, HttpContext.RequestAborted), texts["The account is enabled."]));

    public Task<IActionResult> OnPostExternalAsync(bool external, [FromServices] SetManagedExternallyAction setManagedExternally)
    {
        ArgumentNullException.ThrowIfNull(setManagedExternally);
        Func<AdminActor, ApplicationUser, Task<(AdminActionResult Result, string Done)>> action = async (actor, target) =>
            (await setManagedExternally.RunAsync(actor, target, external, HttpContext.RequestAborted),
                external ? texts["The password is now marked as managed in another directory."] : texts["The password is managed here again."]);

        // Marking a password as managed elsewhere stops its reset here; managing it here again takes nothing away.
        return external ? ConfirmedAsync("External", action) : ActAsync(action);
    }

    /// <summary>
    /// A destructive action: without <see cref="Confirmed"/> it only shows its confirmation step (who, what happens,
    /// confirm or cancel) and changes nothing; a viewer who may not do it is refused at once.
    /// </summary>
    private async Task<IActionResult> ConfirmedAsync(string handler, Func<AdminActor, ApplicationUser, Task<(AdminActionResult Result, string Done)>> action)
    {
        if (Confirmed)
        {
            return await ActAsync(action);
        }

        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        var allowed = handler switch
        {
            "External" => MayAdminister,
            "RemoveAuthenticator" or "RemovePasskey" or "ResetBackupCodes" or "RequireRegistration" => MayManageSignInMethods,
            _ => MayAct,
        };
        if (!allowed)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            ModelState.AddModelError(string.Empty, texts[NotAllowedMessage]);
            return Page();
        }

        var name = Target.UserName ?? Target.Id;
        var passkey = handler == "RemovePasskey" ? SignInMethods.Passkeys.FirstOrDefault(p => p.Id == PasskeyId) : null;
        if (handler == "RemovePasskey" && passkey is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            ModelState.AddModelError(string.Empty, texts["That request was not valid. Nothing was changed."]);
            return Page();
        }

        Confirming = handler switch
        {
            "ResetPassword" => new(handler, texts["Reset the password of {0}?", name],
                texts["Their current password stops working at once. You get a temporary password to give them, and they must change it when they sign in."],
                texts["Reset password"]),
            "Revoke" => new(handler, texts["Sign {0} out everywhere?", name],
                texts["Every session and token of theirs ends now: they must sign in again on every device and in every app."],
                texts["Sign out everywhere"]),
            "Disable" => new(handler, texts["Disable the account of {0}?", name],
                texts["They can no longer sign in, and every session and token of theirs ends now. You can enable the account again later."],
                texts["Disable account"]),
            "External" => new(handler, texts["Mark the password of {0} as managed elsewhere?", name],
                texts["Their password can then no longer be reset here, by them or by staff: only in the directory that holds it. Self-service reset stops for this account."],
                texts["Mark password as managed elsewhere"]),
            "RemoveAuthenticator" => new(handler, texts["Remove the authenticator app of {0}?", name],
                texts["Its codes stop working at once. If they have no other second factor, they must set one up at their next sign-in. They are told by email."],
                texts["Remove authenticator app"]),
            "RemovePasskey" => new(handler, texts["Remove the passkey “{1}” of {0}?", name, passkey!.Name],
                texts["It stops signing in at once. They are told by email."],
                texts["Remove passkey"]),
            "ResetBackupCodes" => new(handler, texts["Delete the backup codes of {0}?", name],
                texts["The codes they have left stop working at once. They can generate new ones on their security info page, and are told by email."],
                texts["Delete backup codes"]),
            _ => new(handler, texts["Require {0} to register their sign-in methods again?", name],
                texts["Their authenticator app, every passkey and the backup codes are removed at once, and their next sign-in asks them to set up a second factor. They are told by email."],
                texts["Require re-registration"]),
        };
        return Page();
    }

    private async Task<IActionResult> ActAsync(Func<AdminActor, ApplicationUser, Task<(AdminActionResult Result, string Done)>> action)
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        var staff = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        var (result, done) = await action(await guard.ActorAsync(staff), Target);
        switch (result)
        {
            case AdminActionResult.Done:
                Message = done;
                break;
            case AdminActionResult.NotAllowed:
                Response.StatusCode = StatusCodes.Status403Forbidden;
                ModelState.AddModelError(string.Empty, texts[NotAllowedMessage]);
                break;
            case AdminActionResult.Invalid:
                Response.StatusCode = StatusCodes.Status400BadRequest;
                if (ModelState.IsValid)
                {
                    ModelState.AddModelError(string.Empty, texts["That request was not valid. Nothing was changed."]);
                }

                break;
            case AdminActionResult.LastAdministrator:
                Response.StatusCode = StatusCodes.Status409Conflict;
                ModelState.AddModelError(string.Empty, texts["This is the last enabled administrator: enable or appoint another administrator first."]);
                break;
            default:
                ModelState.AddModelError(string.Empty, texts["That did not work. Nothing was changed."]);
                break;
        }

        await LoadAsync();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var found = Id is { Length: > 0 and <= 450 } ? await users.FindByIdAsync(Id) : null;
        if (found is null)
        {
            return NotFound();
        }

        Target = found;
        Roles = await users.GetRolesAsync(found);
        IsAdministrator = Roles.Contains(Data.StaffRoles.Administrator);
        MemberOf = await db.Set<GroupMembership>().Where(m => m.UserId == found.Id)
            .Join(db.Set<Group>(), m => m.GroupId, g => g.Id, (_, g) => g).OrderBy(g => g.Name).ToListAsync(HttpContext.RequestAborted);
        Groups = [.. MemberOf.Select(g => g.Name)];
        AllGroups = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).Take(500).ToListAsync(HttpContext.RequestAborted);
        Questions = await questions.CountAsync(found.Id, HttpContext.RequestAborted);
        Eligibility = await eligibility.EvaluateAsync(found, HttpContext.RequestAborted);
        var staff = await users.GetUserAsync(User);
        var actor = staff is null ? new AdminActor(string.Empty, IsAdministrator: false) : await guard.ActorAsync(staff);
        var kind = Data.StaffRoles.KindOf(Roles);
        MayView = StaffPermissions.Allows(actor, kind, AccountAction.View);
        MayAct = StaffPermissions.Allows(actor, kind, AccountAction.EditProfile);
        MayAdminister = StaffPermissions.Allows(actor, kind, AccountAction.SetRoles);
        MayManageSignInMethods = StaffPermissions.Allows(actor, kind, AccountAction.ManageSignInMethods);
        SignInMethods = await SignInMethodsView.LoadAsync(db, found, HttpContext.RequestAborted);
        return null;
    }

    /// <summary>What a refused action says; the table is in Admin/README.md.</summary>
    public const string NotAllowedMessage =
        "You may not do this to this account. The helpdesk acts only on accounts without a staff role; only administrators act on staff accounts and change roles, groups and where a password is managed.";

}

/// <summary>The confirmation step of a destructive action: the question naming the user, what happens, and the button that does it.</summary>
/// <param name="Handler">The page handler the confirmation posts to.</param>
/// <param name="Question">The heading, naming the user.</param>
/// <param name="Consequence">What happens to the user.</param>
/// <param name="Button">The confirm button.</param>
public sealed record Confirmation(string Handler, string Question, string Consequence, string Button);

/// <summary>The profile form of a user's admin page; an empty contact field clears it.</summary>
public sealed class ProfileInput
{
    [System.ComponentModel.DataAnnotations.StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string? GivenName { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string? FamilyName { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(256, ErrorMessage = "At most 256 characters.")]
    public string? Email { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(256, ErrorMessage = "At most 256 characters.")]
    public string? AlternateEmail { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(40, ErrorMessage = "At most 40 characters.")]
    public string? MobilePhone { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(40, ErrorMessage = "At most 40 characters.")]
    public string? OfficePhone { get; set; }
}
