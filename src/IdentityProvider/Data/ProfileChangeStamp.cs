using Microsoft.EntityFrameworkCore;
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
        Stamp(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Stamp(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        foreach (var entry in context.ChangeTracker.Entries<ApplicationUser>())
        {
            if (entry.State == EntityState.Added
                // Identity's store marks every property modified on update: compare the values instead.
                || (entry.State == EntityState.Modified && Profile.Any(name => !Equals(entry.Property(name).OriginalValue, entry.Property(name).CurrentValue))))
            {
                entry.Entity.ProfileUpdatedAt = time.GetUtcNow();
            }
        }
    }
}
