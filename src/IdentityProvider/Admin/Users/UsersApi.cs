using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

/// <summary>
/// A user as the API shows them: profile, state, and which recovery methods are registered and when (never values'
/// secrets); for a user of an on-premises directory, the directory's name (<c>Directories:Connections</c>) and the
/// user's DN there, where their password lives.
/// </summary>
public sealed record UserView(
    string Id, string UserName, string? Email, string? GivenName, string? FamilyName, bool Enabled, DateTimeOffset? LockedUntil,
    bool MustChangePassword, bool PasswordManagedExternally, IReadOnlyList<string> Roles, RecoveryMethodsView Methods,
    string? Locale = null, string? TimeZone = null, string? DirectoryName = null, string? DirectoryDn = null);

public sealed record RecoveryMethodsView(
    DateTimeOffset? AlternateEmailRegisteredAt, DateTimeOffset? MobilePhoneRegisteredAt, bool OfficePhone, int SecurityQuestions, DateTimeOffset? AuthenticatorRegisteredAt);

public sealed record UserSummary(string Id, string UserName, string? Email, string? GivenName, string? FamilyName, bool Enabled);

/// <summary>A new user: with a password (checked by the password policy) or, without one, a temporary password shown once.</summary>
public sealed record CreateUserRequest(string? UserName, string? Email, string? GivenName, string? FamilyName, string? Password);

/// <summary>
/// Changes to a user; absent (null) fields stay as they are, an empty string clears a contact value. <c>locale</c> is a
/// BCP 47 language tag (<c>fr-CA</c>) and <c>timeZone</c> an IANA time zone (<c>Europe/Paris</c>): the <c>locale</c> and
/// <c>zoneinfo</c> claims relying apps receive with the <c>profile</c> scope.
/// </summary>
public sealed record UpdateUserRequest(
    string? GivenName, string? FamilyName, string? Email, string? AlternateEmail, string? MobilePhone, string? OfficePhone,
    bool? Enabled, bool? PasswordManagedExternally, string? Locale = null, string? TimeZone = null);

public sealed record TemporaryPasswordView(string TemporaryPassword);

internal static class UsersApi
{
    public static void Map(RouteGroupBuilder users)
    {
        users.MapGet("/", ListAsync).WithSummary("Find users by username, email or name, a page at a time.");
        users.MapGet("/{id}", GetAsync).WithSummary("One user.");
        users.MapPost("/", CreateAsync).WithSummary("Create a user.");
        users.MapPatch("/{id}", UpdateAsync).WithSummary("Change a user's profile, contact data or state.");
        users.MapPost("/{id}/password-reset", ResetAsync).WithSummary("Set a temporary password that must be changed at the next sign-in.");
        users.MapPost("/{id}/unlock", UnlockAsync).WithSummary("Clear the user's lockout.");
        users.MapPost("/{id}/revoke-sessions", RevokeAsync).WithSummary("End the user's sessions and revoke their tokens.");
        users.MapDelete("/{id}/authenticator", (string id, HttpContext http, UserManager<ApplicationUser> all, RemoveAuthenticatorAction removeAuthenticator, CancellationToken ct) =>
            ActAsync(id, all, async user => (await removeAuthenticator.RunAsync(http.Actor(), user, ct), null)))
            .WithSummary("Remove the user's authenticator app (a lost device); the user is told by email.");
        users.MapGet("/{id}/sign-in-methods", SignInMethodsAsync)
            .WithSummary("The user's second-factor methods: authenticator app, passkeys, backup codes (how many left), verified mobile and alternate email; registered and last used.");
        users.MapDelete("/{id}/sign-in-methods/passkeys/{passkeyId:guid}", RemovePasskeyAsync)
            .WithSummary("Remove one of the user's passkeys (a lost device); the user is told by email.");
        users.MapDelete("/{id}/sign-in-methods/backup-codes", (string id, HttpContext http, UserManager<ApplicationUser> all, ResetBackupCodesAction resetBackupCodes, CancellationToken ct) =>
            ActAsync(id, all, async user => (await resetBackupCodes.RunAsync(http.Actor(), user, ct), null)))
            .WithSummary("Delete all of the user's backup codes; they can generate new ones; the user is told by email.");
        users.MapPost("/{id}/sign-in-methods/require-registration", (string id, HttpContext http, UserManager<ApplicationUser> all, RequireSecondFactorRegistrationAction requireRegistration, CancellationToken ct) =>
            ActAsync(id, all, async user => (await requireRegistration.RunAsync(http.Actor(), user, ct), null)))
            .WithSummary("Remove the user's authenticator app, passkeys and backup codes, and have their next sign-in ask them to set up a second factor; the user is told by email.");
        users.MapPut("/{id}/roles", (string id, string[] roles, HttpContext http, UserManager<ApplicationUser> all, SetRolesAction setRoles, CancellationToken ct) =>
            ActAsync(id, all, async user => (await setRoles.RunAsync(http.Actor(), user, roles, ct), null)))
            .WithSummary("Replace the user's staff roles (Administrator, Helpdesk, Auditor); administrators only; the last administrator keeps the role.");
        users.MapPut("/{id}/groups/{groupId:guid}", (string id, Guid groupId, HttpContext http, UserManager<ApplicationUser> all, SetGroupAction setGroup, CancellationToken ct) =>
            ActAsync(id, all, async user => (await setGroup.RunAsync(http.Actor(), user, groupId, member: true, ct), null)))
            .WithSummary("Add the user to a group (administrators).");
        users.MapDelete("/{id}/groups/{groupId:guid}", (string id, Guid groupId, HttpContext http, UserManager<ApplicationUser> all, SetGroupAction setGroup, CancellationToken ct) =>
            ActAsync(id, all, async user => (await setGroup.RunAsync(http.Actor(), user, groupId, member: false, ct), null)))
            .WithSummary("Remove the user from a group (administrators).");
    }

    private static async Task<IResult> ListAsync(ApplicationDbContext db, string? q = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default)
    {
        if (AdminApi.CheckPaging(page, pageSize, out var paging) is { } problem)
        {
            return problem;
        }

        if (q is { Length: > 200 })
        {
            return AdminApi.Invalid("q", "Search for at most 200 characters.");
        }

        var query = UserSearch.Filter(db.Users.AsNoTracking(), q);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(u => u.NormalizedUserName).ThenBy(u => u.Id).Skip(paging.Skip).Take(pageSize)
            .Select(u => new UserSummary(u.Id, u.UserName!, u.Email, u.GivenName, u.FamilyName, u.IsEnabled)).ToListAsync(cancellationToken);
        return Results.Ok(new Paged<UserSummary>(items, page, pageSize, total));
    }

    /// <summary>One user's details: allowed by the staff permission table, and an audit event (personal data was read).</summary>
    private static async Task<IResult> GetAsync(
        string id, HttpContext http, UserManager<ApplicationUser> users, AdminActionGuard guard, SecurityQuestions questions, IdentityProvider.Audit.AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AdminApi.NotFound("user");
        }

        if (!await guard.MayActOnAsync(http.Actor(), user, AccountAction.View))
        {
            return NotAllowed();
        }

        await audit.WriteAsync(IdentityProvider.Audit.AuditEventTypes.AdminUserViewed, user.Id, IdentityProvider.Audit.AuditLog.Success, "api", cancellationToken);
        return Results.Ok(await ViewAsync(user, users, questions, cancellationToken));
    }

    /// <summary>A user's second-factor methods: allowed and audited as opening the user's details is.</summary>
    private static async Task<IResult> SignInMethodsAsync(
        string id, HttpContext http, UserManager<ApplicationUser> users, AdminActionGuard guard, ApplicationDbContext db, IdentityProvider.Audit.AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AdminApi.NotFound("user");
        }

        if (!await guard.MayActOnAsync(http.Actor(), user, AccountAction.View))
        {
            return NotAllowed();
        }

        await audit.WriteAsync(IdentityProvider.Audit.AuditEventTypes.AdminUserViewed, user.Id, IdentityProvider.Audit.AuditLog.Success, "api sign-in-methods", cancellationToken);
        return Results.Ok(await SignInMethodsView.LoadAsync(db, user, cancellationToken));
    }

    private static async Task<IResult> RemovePasskeyAsync(
        string id, Guid passkeyId, HttpContext http, UserManager<ApplicationUser> users, RemovePasskeyAction removePasskey, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AdminApi.NotFound("user");
        }

        var result = await removePasskey.RunAsync(http.Actor(), user, passkeyId, cancellationToken);
        return result == AdminActionResult.Invalid ? AdminApi.NotFound("passkey of this user") : Answer(result, null);
    }

    private static IResult NotAllowed() => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: DetailsModel.NotAllowedMessage);

    private static async Task<IResult> CreateAsync(
        CreateUserRequest request, HttpContext http, UserManager<ApplicationUser> users, CreateUserAction create, SecurityQuestions questions, CancellationToken cancellationToken)
    {
        var (_, user, temporary, errors) = await create.RunAsync(http.Actor(), request, cancellationToken);
        if (user is null)
        {
            return Results.ValidationProblem(errors!);
        }

        var view = await ViewAsync(user, users, questions, cancellationToken);
        return Results.Created($"{AdminApi.Prefix}/users/{user.Id}", temporary is null ? view : new { user = view, temporaryPassword = temporary });
    }

    private static async Task<IResult> UpdateAsync(
        string id, UpdateUserRequest request, HttpContext http, UserManager<ApplicationUser> users, UpdateUserAction update, SecurityQuestions questions,
        CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AdminApi.NotFound("user");
        }

        var (result, errors) = await update.RunAsync(http.Actor(), user, request, cancellationToken);
        switch (result)
        {
            case AdminActionResult.Failed:
                return Results.ValidationProblem(errors!);
            case AdminActionResult.NotAllowed:
                return NotAllowed();
            case AdminActionResult.LastAdministrator:
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "This is the last enabled administrator.");
        }

        return Results.Ok(await ViewAsync(user, users, questions, cancellationToken));
    }

    private static Task<IResult> ResetAsync(string id, HttpContext http, UserManager<ApplicationUser> users, ResetPasswordAction resetPassword, CancellationToken cancellationToken) =>
        ActAsync(id, users, async user =>
        {
            var (result, temporary) = await resetPassword.RunAsync(http.Actor(), user, cancellationToken);
            return (result, temporary is null ? null : new TemporaryPasswordView(temporary));
        });

    private static Task<IResult> UnlockAsync(string id, HttpContext http, UserManager<ApplicationUser> users, UnlockAction unlock, CancellationToken cancellationToken) =>
        ActAsync(id, users, async user => (await unlock.RunAsync(http.Actor(), user, cancellationToken), null));

    private static Task<IResult> RevokeAsync(string id, HttpContext http, UserManager<ApplicationUser> users, RevokeSessionsAction revokeSessions, CancellationToken cancellationToken) =>
        ActAsync(id, users, async user => (await revokeSessions.RunAsync(http.Actor(), user, cancellationToken), null));

    private static async Task<IResult> ActAsync(string id, UserManager<ApplicationUser> users, Func<ApplicationUser, Task<(AdminActionResult Result, object? Body)>> action)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AdminApi.NotFound("user");
        }

        var (result, body) = await action(user);
        return Answer(result, body);
    }

    private static IResult Answer(AdminActionResult result, object? body)
    {
        return result switch
        {
            AdminActionResult.Done => body is null ? Results.NoContent() : Results.Ok(body),
            AdminActionResult.NotAllowed => NotAllowed(),
            AdminActionResult.Invalid => AdminApi.Invalid("request", "Name an existing group, or only the roles Administrator, Helpdesk and Auditor."),
            AdminActionResult.LastAdministrator => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "This is the last enabled administrator."),
            _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "The change could not be made; nothing was changed."),
        };
    }

    private static async Task<UserView> ViewAsync(ApplicationUser user, UserManager<ApplicationUser> users, SecurityQuestions questions, CancellationToken cancellationToken) => new(
        user.Id, user.UserName!, user.Email, user.GivenName, user.FamilyName, user.IsEnabled, user.LockoutEnd, user.MustChangePassword, user.PasswordManagedExternally,
        [.. await users.GetRolesAsync(user)],
        new RecoveryMethodsView(user.AlternateEmailRegisteredAt, user.MobilePhoneRegisteredAt, user.OfficePhone is not null,
            await questions.CountAsync(user.Id, cancellationToken), user.AuthenticatorRegisteredAt),
        user.Locale, user.TimeZone, user.DirectoryName, user.DirectoryDn);
}
