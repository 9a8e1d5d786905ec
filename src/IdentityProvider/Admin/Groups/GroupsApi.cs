namespace IdentityProvider.Admin.Groups;

public sealed record CreateGroupRequest(string? Name, Guid? ParentId);

internal static class GroupsApi
{
    public static void Map(RouteGroupBuilder groups)
    {
        groups.MapGet("/", async (AdminGroups all, CancellationToken ct) => Results.Ok(await all.ListAsync(ct))).WithSummary("Every group, its parent and its direct members' count.");
        groups.MapPost("/", async (CreateGroupRequest request, HttpContext http, AdminGroups all, CancellationToken ct) =>
        {
            var (group, field, error) = await all.CreateAsync(http.Actor().Id, request.Name, request.ParentId, ct);
            return group is null ? AdminApi.Invalid(field!, error!) : Results.Created($"{AdminApi.Prefix}/groups/{group.Id}", new GroupView(group.Id, group.Name, group.ParentGroupId, 0, false));
        }).WithSummary("Create a group, optionally inside another.");
        groups.MapDelete("/{id:guid}", async (Guid id, HttpContext http, AdminGroups all, CancellationToken ct) =>
        {
            var (found, refusal) = await all.DeleteAsync(http.Actor().Id, id, ct);
            return !found ? AdminApi.NotFound("group")
                : refusal is null ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: refusal);
        }).WithSummary("Delete a group that has no nested groups and is not enabled for self-service.");
    }
}
