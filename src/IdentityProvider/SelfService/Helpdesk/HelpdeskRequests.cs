using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.Helpdesk;

/// <summary>Raising, assigning and resolving helpdesk requests; each step is audited against the user it is about.</summary>
public sealed class HelpdeskRequests(ApplicationDbContext db, AuditLog audit, TimeProvider time)
{
    public const int MaximumResolutionLength = 500;

    /// <summary>Adds a request to the caller's unit of work (saved with the journey that raised it).</summary>
    public HelpdeskRequest Raise(ApplicationUser user, string situation)
    {
        ArgumentNullException.ThrowIfNull(user);
        var request = new HelpdeskRequest { UserId = user.Id, UserName = user.UserName ?? user.Id, Situation = situation, CreatedAt = time.GetUtcNow() };
        db.Add(request);
        return request;
    }

    public async Task<bool> AssignAsync(HelpdeskRequest request, ApplicationUser to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(to);
        if (request.Status == HelpdeskRequestStatus.Resolved)
        {
            return false;
        }

        (request.Status, request.AssignedToUserId, request.AssignedToUserName) = (HelpdeskRequestStatus.Assigned, to.Id, to.UserName);
        audit.Add(AuditEventTypes.HelpdeskRequestAssigned, request.UserId, AuditLog.Success, $"request {request.Id} assigned to {to.Id}");
        return await SaveAsync(request, cancellationToken);
    }

    public async Task<bool> ResolveAsync(HelpdeskRequest request, ApplicationUser by, string resolution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(by);
        if (request.Status == HelpdeskRequestStatus.Resolved)
        {
            return false;
        }

        (request.Status, request.ResolvedAt, request.Resolution) = (HelpdeskRequestStatus.Resolved, time.GetUtcNow(), resolution);
        request.AssignedToUserId ??= by.Id;
        request.AssignedToUserName ??= by.UserName;
        audit.Add(AuditEventTypes.HelpdeskRequestResolved, request.UserId, AuditLog.Success, $"request {request.Id} resolved by {by.Id}");
        return await SaveAsync(request, cancellationToken);
    }

    private async Task<bool> SaveAsync(HelpdeskRequest request, CancellationToken cancellationToken)
    {
        request.Version++;
        return await db.TrySaveAsync(cancellationToken);
    }
}
