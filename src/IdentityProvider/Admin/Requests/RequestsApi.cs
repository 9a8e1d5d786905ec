using IdentityProvider.Data;
using IdentityProvider.SelfService.Helpdesk;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Requests;

public sealed record HelpdeskRequestView(
    Guid Id, string UserId, string UserName, string Situation, DateTimeOffset CreatedAt, string Status, string? AssignedToUserId, DateTimeOffset? ResolvedAt, string? Resolution);

public sealed record ResolveRequest(string? Resolution);

internal static class RequestsApi
{
    public static void Map(RouteGroupBuilder requests)
    {
        requests.MapGet("/", ListAsync).WithSummary("Help requests raised from the self-service pages; status is open, assigned or resolved.");
        requests.MapPost("/{id:guid}/assign", AssignAsync).WithSummary("Assign the request to the calling staff member.");
        requests.MapPost("/{id:guid}/resolve", ResolveAsync).WithSummary("Resolve the request with what was done.");
    }

    private static async Task<IResult> ListAsync(ApplicationDbContext db, string? status = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default)
    {
        if (AdminApi.CheckPaging(page, pageSize, out var paging) is { } problem)
        {
            return problem;
        }

        HelpdeskRequestStatus? wanted = null;
        if (status is not null)
        {
            if (!Enum.TryParse<HelpdeskRequestStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
            {
                return AdminApi.Invalid("status", "Status is open, assigned or resolved.");
            }

            wanted = parsed;
        }

        var query = db.Set<HelpdeskRequest>().AsNoTracking();
        if (wanted is { } s)
        {
            query = query.Where(r => r.Status == s);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(r => r.CreatedAt).Skip(paging.Skip).Take(pageSize).ToListAsync(cancellationToken);
        return Results.Ok(new Paged<HelpdeskRequestView>([.. items.Select(View)], page, pageSize, total));
    }

    private static async Task<IResult> AssignAsync(Guid id, HttpContext http, ApplicationDbContext db, UserManager<ApplicationUser> users, HelpdeskRequests requests, CancellationToken cancellationToken)
    {
        if (await db.Set<HelpdeskRequest>().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is not { } request)
        {
            return AdminApi.NotFound("help request");
        }

        if (await users.FindByIdAsync(http.Actor().Id) is not { } staff)
        {
            return AdminApi.Invalid("assignee", "Only a staff member's own token can take a request.");
        }

        return await requests.AssignAsync(request, staff, cancellationToken)
            ? Results.Ok(View(request))
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "The request is resolved or was changed by someone else.");
    }

    private static async Task<IResult> ResolveAsync(
        Guid id, ResolveRequest body, HttpContext http, ApplicationDbContext db, UserManager<ApplicationUser> users, HelpdeskRequests requests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Resolution) || body.Resolution.Length > HelpdeskRequests.MaximumResolutionLength)
        {
            return AdminApi.Invalid("resolution", "Say what was done, in 1 to 500 characters.");
        }

        if (await db.Set<HelpdeskRequest>().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is not { } request)
        {
            return AdminApi.NotFound("help request");
        }

        var staff = await users.FindByIdAsync(http.Actor().Id) ?? new ApplicationUser { Id = http.Actor().Id, UserName = http.Actor().Id };
        return await requests.ResolveAsync(request, staff, body.Resolution.Trim(), cancellationToken)
            ? Results.Ok(View(request))
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "The request is already resolved or was changed by someone else.");
    }

    private static HelpdeskRequestView View(HelpdeskRequest r) =>
        new(r.Id, r.UserId, r.UserName, r.Situation, r.CreatedAt, r.Status.ToString().ToLowerInvariant(), r.AssignedToUserId, r.ResolvedAt, r.Resolution);
}
