using Microsoft.AspNetCore.Authentication;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace IdentityProvider.Admin;

/// <summary>
/// The admin REST API under <c>/api/v1</c>. Callers send an access token from this server (client credentials for
/// automation) holding the area's scope; a token issued to a person also needs that person's staff role. Every error
/// is an RFC 9457 problem. Lists take <c>page</c> (from 1) and <c>pageSize</c> (1–200, default 50) and answer
/// <c>{ items, page, pageSize, total }</c>.
/// </summary>
public static class AdminApi
{
    public const string Prefix = "/api/v1";
    public const string UsersScope = "admin.users";
    public const string AuditScope = "admin.audit";
    public const string PoliciesScope = "admin.policies";
    public const string RequestsScope = "admin.requests";
    public const string ClientsScope = "admin.clients";
    public const string OutboxScope = "admin.outbox";

    public static IReadOnlyList<string> Scopes { get; } = [UsersScope, AuditScope, PoliciesScope, RequestsScope, ClientsScope, OutboxScope];

    internal const string CallerItem = "admin-api-caller";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix).WithTags("Administration").DisableAntiforgery().AddEndpointFilter(new ApiDenialAudit());
        Users.UsersApi.Map(api.MapGroup("/users").AddEndpointFilter(new ScopeFilter(UsersScope, StaffRoles.Administrator, StaffRoles.Helpdesk)).WithTags("Users"));
        Groups.GroupsApi.Map(api.MapGroup("/groups").AddEndpointFilter(new ScopeFilter(UsersScope, StaffRoles.Administrator)).WithTags("Groups"));
        Audit.AuditApi.Map(api.MapGroup("/audit").AddEndpointFilter(new ScopeFilter(AuditScope, StaffRoles.Administrator, StaffRoles.Auditor)).WithTags("Audit"));
        Usage.UsageApi.Map(api.MapGroup("/usage").AddEndpointFilter(new ScopeFilter(AuditScope, StaffRoles.Administrator, StaffRoles.Auditor)).WithTags("Usage"));
        Outbox.OutboxApi.Map(api.MapGroup("/outbox").AddEndpointFilter(new ScopeFilter(OutboxScope, StaffRoles.Administrator)).WithTags("Outbox"));
        Policies.PoliciesApi.Map(api.MapGroup("/policies").AddEndpointFilter(new ScopeFilter(PoliciesScope, StaffRoles.Administrator)).WithTags("Policies"));
        Clients.ClientsApi.Map(api.MapGroup("/clients").AddEndpointFilter(new ScopeFilter(ClientsScope, StaffRoles.Administrator)).WithTags("Relying apps"));
        Requests.RequestsApi.Map(api.MapGroup("/helpdesk-requests").AddEndpointFilter(new ScopeFilter(RequestsScope, StaffRoles.Administrator, StaffRoles.Helpdesk)).WithTags("Helpdesk requests"));
        return app;
    }

    /// <summary>Who is calling: a client (automation) or a staff member.</summary>
    public static AdminActor Actor(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return (AdminActor)http.Items[CallerItem]!;
    }

    /// <summary>A problem for a request the API refuses as invalid, with an error per field.</summary>
    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult NotFound(string what) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No {what} has that id.");

    /// <summary>Checks paging parameters (see <see cref="Paging"/>); null, with the page to read, when they are fine.</summary>
    public static IResult? CheckPaging(int page, int pageSize, out Paging paging) =>
        Paging.Check(page, pageSize, out paging) is { } problem ? Invalid(problem.Field, problem.Message) : null;
}

/// <summary>
/// Who acts: a staff member's user id, or <c>client …</c> for automation; whether they act as an administrator or as the
/// helpdesk (see <see cref="Users.StaffPermissions"/> for what each may do).
/// </summary>
public sealed record AdminActor(string Id, bool IsAdministrator, bool IsHelpdesk = false);

/// <summary>A page of results, as every list operation answers.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

/// <summary>Authenticates the bearer token and checks the area's scope (and a person's role) before the endpoint runs.</summary>
internal sealed class ScopeFilter(string scope, params string[] roles) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Oidc.BearerTokenPlacement.InQueryString(http.Request))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                detail: "Send the access token in the Authorization header (Bearer), never in the address.");
        }

        var result = await http.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "Send an access token from this server in the Authorization header (Bearer).");
        }

        if (!principal.HasScope(scope))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"The access token needs the '{scope}' scope.");
        }

        var subject = principal.GetClaim(OpenIddictConstants.Claims.Subject) ?? string.Empty;
        var users = http.RequestServices.GetRequiredService<UserManager<ApplicationUser>>();
        var staff = await users.FindByIdAsync(subject);
        var held = staff is null ? [] : await users.GetRolesAsync(staff);
        if (staff is not null && !roles.Any(held.Contains))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Your account does not have a role that may use this part of the API.");
        }

        if (staff is not null && !HasRecentSecondFactor(http, principal))
        {
            // A person's token is as strong as the sign-in behind it: a password alone must not administer anything.
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "A person's access token needs a recent second factor: sign in, complete the administration step-up with your authenticator app, "
                    + "then get a new token (its amr must include a second factor and its auth_time must be within the step-up window).");
        }

        // Automation (a client's own token) acts with the area's full rights; a person acts with their roles.
        var actor = staff is null
            ? new AdminActor("client " + subject, IsAdministrator: true)
            : new AdminActor(staff.Id, held.Contains(StaffRoles.Administrator), held.Contains(StaffRoles.Helpdesk));
        http.Items[AdminApi.CallerItem] = actor;
        http.Items[IdentityProvider.Audit.AuditLog.ActorItem] = actor.Id;
        return await next(context);
    }

    private static bool HasRecentSecondFactor(HttpContext http, System.Security.Claims.ClaimsPrincipal principal)
    {
        var window = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Account.Sessions.UserSessionOptions>>().Value.StepUpWindow;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var methods = principal.GetClaims(OpenIddictConstants.Claims.AuthenticationMethodReference);
        return methods.Any(Account.Sessions.UserSessions.SecondFactors.Contains)
            && long.TryParse(principal.GetClaim(OpenIddictConstants.Claims.AuthenticationTime), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799)) <= window;
    }
}
