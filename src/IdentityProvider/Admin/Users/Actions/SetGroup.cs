using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>Adds the user to a group or removes them from it (administrators only; groups decide self-service).</summary>
public sealed class SetGroupAction(AdminActionGuard guard, ApplicationDbContext db, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser user, Guid? groupId, bool member, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        if (!await guard.MayActOnAsync(actor, user, AccountAction.SetGroups))
        {
            return AdminActionResult.NotAllowed;
        }

        if (groupId is not { } id || !await db.Set<Group>().AnyAsync(g => g.Id == id, cancellationToken))
        {
            return AdminActionResult.Invalid;
        }

        var existing = await db.Set<GroupMembership>().FirstOrDefaultAsync(m => m.GroupId == id && m.UserId == user.Id, cancellationToken);
        if (member == (existing is not null))
        {
            return AdminActionResult.Done;
        }

        if (member)
        {
            db.Add(new GroupMembership { GroupId = id, UserId = user.Id });
        }
        else
        {
            db.Remove(existing!);
        }

        audit.Add(AuditEventTypes.AdminGroupChanged, user.Id, AuditLog.Success, $"by {actor.Id}: {(member ? "added to" : "removed from")} group {id}");
        await db.SaveChangesAsync(cancellationToken);
        return AdminActionResult.Done;
    }
}
