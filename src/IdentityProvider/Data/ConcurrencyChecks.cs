using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Data;

/// <summary>Saving rows guarded by a version column (journeys, help requests).</summary>
internal static class ConcurrencyChecks
{
    /// <summary>Saves the unit of work; false (and nothing saved) when another request changed a guarded row first.</summary>
    public static async Task<bool> TrySaveAsync(this ApplicationDbContext db, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
