using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Data;

/// <summary>Applies the provider's migrations. Used by the <c>migrate</c> command and by the embedded default at start.</summary>
internal sealed partial class DatabaseMigrator(ApplicationDbContext db, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            LogUpToDate(logger, db.Database.ProviderName);
            return;
        }

        await db.Database.MigrateAsync(cancellationToken);
        LogMigrated(logger, pending.Count, db.Database.ProviderName);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Database schema is up to date ({Provider}).")]
    private static partial void LogUpToDate(ILogger logger, string? provider);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied {Count} migration(s) ({Provider}).")]
    private static partial void LogMigrated(ILogger logger, int count, string? provider);
}
