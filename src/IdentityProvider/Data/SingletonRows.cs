using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Data;

/// <summary>Settings kept as one row: read it, or create it from configuration the first time (any node may race).</summary>
internal static class SingletonRows
{
    public static async Task<T> LoadOrSeedAsync<T>(ApplicationDbContext db, int id, Func<T> seed, CancellationToken cancellationToken, Func<IQueryable<T>, IQueryable<T>>? include = null)
        where T : class
    {
        IQueryable<T> Query() => (include ?? (q => q))(db.Set<T>().AsNoTracking()).Where(row => EF.Property<int>(row, "Id") == id);

        var existing = await Query().FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var created = seed();
        db.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return created;
        }
        catch (DbUpdateException)
        {
            // Another node seeded it first: use theirs.
            db.ChangeTracker.Clear();
            return await Query().FirstAsync(cancellationToken);
        }
    }
}
