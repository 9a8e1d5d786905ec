using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Groups;

public sealed record GroupView(Guid Id, string Name, Guid? ParentId, int Members, bool SelfServiceEnabled);

/// <summary>Groups for the page and the API: list, create (optionally nested), delete when nothing depends on them.</summary>
public sealed class AdminGroups(ApplicationDbContext db, StoredPolicy<SelfServicePolicySettings> policies, AuditLog audit)
{
    public async Task<IReadOnlyList<GroupView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var groups = await db.Set<Group>().AsNoTracking().OrderBy(g => g.Name).ToListAsync(cancellationToken);
        var counts = await db.Set<GroupMembership>().GroupBy(m => m.GroupId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var enabled = (await policies.GetAsync(cancellationToken)).Groups.ToHashSet();
        return [.. groups.Select(g => new GroupView(g.Id, g.Name, g.ParentGroupId, counts.GetValueOrDefault(g.Id), enabled.Contains(g.Id)))];
    }

    /// <summary>Creates a group; returns it, or the problem per field.</summary>
    public async Task<(Group? Group, string? Field, string? Error)> CreateAsync(string actor, string? name, Guid? parentId, CancellationToken cancellationToken = default)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return (null, "name", "Give the group a name of 1 to 200 characters.");
        }

        var upper = name.ToUpperInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // Translated to SQL UPPER(...); no .NET culture is involved.
        if (await db.Set<Group>().AnyAsync(g => g.Name.ToUpper() == upper, cancellationToken))
#pragma warning restore CA1304, CA1311, CA1862
        {
            return (null, "name", "A group with that name exists already.");
        }

        if (parentId is { } parent && !await db.Set<Group>().AnyAsync(g => g.Id == parent, cancellationToken))
        {
            return (null, "parentId", "Choose a parent group that exists.");
        }

        var group = new Group { Name = name, ParentGroupId = parentId };
        db.Add(group);
        audit.Add(AuditEventTypes.AdminGroupChanged, null, AuditLog.Success, $"by {actor}: created group {group.Id} '{Short(name)}'");
        await db.SaveChangesAsync(cancellationToken);
        return (group, null, null);
    }

    /// <summary>Deletes a group and its memberships. Null when done; otherwise why not. False "found" when there is no such group.</summary>
    public async Task<(bool Found, string? Refusal)> DeleteAsync(string actor, Guid id, CancellationToken cancellationToken = default)
    {
        var group = await db.Set<Group>().FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return (false, null);
        }

        if (await db.Set<Group>().AnyAsync(g => g.ParentGroupId == id, cancellationToken))
        {
            return (true, "This group has groups nested in it: move or delete those first.");
        }

        if ((await policies.GetAsync(cancellationToken)).Groups.Contains(id))
        {
            return (true, "Self-service is enabled for this group: change the self-service policy first.");
        }

        await db.Set<GroupMembership>().Where(m => m.GroupId == id).ExecuteDeleteAsync(cancellationToken);
        db.Remove(group);
        audit.Add(AuditEventTypes.AdminGroupChanged, null, AuditLog.Success, $"by {actor}: deleted group {id} '{Short(group.Name)}'");
        await db.SaveChangesAsync(cancellationToken);
        return (true, null);
    }

    private static string Short(string name) => name.Length > 60 ? name[..60] : name;
}
