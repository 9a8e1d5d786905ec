using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IdentityProvider.Data;

/// <summary>
/// Stamps <see cref="ApplicationUser.ProfileUpdatedAt"/> when a user is created or one of the profile values relying
/// apps receive as claims is saved changed, whichever page, API or service changed it.
/// </summary>
internal sealed class ProfileChangeStamp(TimeProvider time) : SaveChangesInterceptor
{
    private static readonly string[] Profile =
    [
        nameof(ApplicationUser.GivenName), nameof(ApplicationUser.FamilyName), nameof(ApplicationUser.UserName),
        nameof(ApplicationUser.Email), nameof(ApplicationUser.EmailConfirmed), nameof(ApplicationUser.MobilePhone),
        nameof(ApplicationUser.Locale), nameof(ApplicationUser.TimeZone),
    ];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        foreach (var entry in Users(eventData.Context))
        {
            Stamp(entry, entry.State == EntityState.Modified ? entry.GetDatabaseValues() : null);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        foreach (var entry in Users(eventData.Context))
        {
            Stamp(entry, entry.State == EntityState.Modified ? await entry.GetDatabaseValuesAsync(cancellationToken) : null);
        }

        return result;
    }

    private static List<EntityEntry<ApplicationUser>> Users(DbContext? context)
    {
        if (context is null)
        {
            return [];
        }

        context.ChangeTracker.DetectChanges();
        return [.. context.ChangeTracker.Entries<ApplicationUser>().Where(e => e.State is EntityState.Added or EntityState.Modified)];
    }

    /// <summary>
    /// Compares with the stored row, not with EF's original values: Identity's store re-attaches the user before it
    /// saves, which resets those.
    /// </summary>
    private void Stamp(EntityEntry<ApplicationUser> entry, PropertyValues? stored)
    {
        if (entry.State == EntityState.Added
            || (stored is not null && Profile.Any(name => !Equals(stored[name], entry.Property(name).CurrentValue))))
        {
            entry.Entity.ProfileUpdatedAt = time.GetUtcNow();
        }
    }
}
