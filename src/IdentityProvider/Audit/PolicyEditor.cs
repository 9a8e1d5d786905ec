using IdentityProvider.Data;

namespace IdentityProvider.Audit;

/// <summary>
/// Saves an administrator's edit of a stored policy, from the admin page and the admin API alike: each changed setting is
/// copied onto the row and audited as <c>area.Setting: old → new</c> (one <see cref="AuditEventTypes.AdminPolicyChanged"/>
/// event per setting, all saved in one transaction), then this node forgets its cached copy (others within
/// <see cref="StoredPolicy{T}.CacheLifetime"/>). The edit must have passed the policy's validation.
/// </summary>
/// <remarks>
/// The actor is recorded the same way whichever way the change came in: <c>ActorId</c> always (see <see cref="AuditLog"/>);
/// a person's change is also about their account (<c>UserId</c>), so a staff member's history shows it; automation has no
/// account, so its client leads the reason (<c>by client &lt;id&gt;: …</c>), as for account actions.
/// </remarks>
public sealed class PolicyEditor<T>(ApplicationDbContext db, StoredPolicy<T> store, AuditLog audit, IHttpContextAccessor http, TimeProvider time)
    where T : PolicySettings
{
    private const string ClientActorPrefix = "client ";

    /// <summary>Stores <paramref name="edited"/>; returns the policy now in force.</summary>
    public async Task<T> SaveAsync(T edited, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edited);
        edited.Normalize();
        var row = await store.LoadForUpdateAsync(cancellationToken);
        var changes = new List<string>();
        foreach (var setting in PolicySettings.SettingsOf(typeof(T)))
        {
            var before = setting.GetValue(row);
            var after = setting.GetValue(edited);
            if (!SameValue(before, after))
            {
                changes.Add($"{row.AuditArea}.{row.DescribeChange(setting, before, after)}");
                setting.SetValue(row, after);
            }
        }

        if (changes.Count == 0)
        {
            return row;
        }

        row.UpdatedAt = time.GetUtcNow();
        var actor = AuditLog.ActorOf(http.HttpContext);
        var automation = actor is not null && actor.StartsWith(ClientActorPrefix, StringComparison.Ordinal);
        foreach (var change in changes)
        {
            audit.Add(AuditEventTypes.AdminPolicyChanged, automation ? null : actor, AuditLog.Success, automation ? $"by {actor}: {change}" : change);
        }

        await db.SaveChangesAsync(cancellationToken);
        store.Invalidate();
        return row;
    }

    private static bool SameValue(object? before, object? after) =>
        before is System.Collections.IEnumerable first && after is System.Collections.IEnumerable second && before is not string
            ? first.Cast<object?>().SequenceEqual(second.Cast<object?>())
            : Equals(before, after);
}
