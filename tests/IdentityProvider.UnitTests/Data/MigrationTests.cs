using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.UnitTests.Data;

/// <summary>The migrations of each provider capture the whole model: a change to an entity needs its migration.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void PostgreSqlMigrations_CaptureEveryModelChange()
    {
        using var db = new PostgreSqlDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), PendingMessage("PostgreSqlDbContext", "PostgreSql"));
    }

    [Fact]
    public void SqliteMigrations_CaptureEveryModelChange()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), PendingMessage("SqliteDbContext", "Sqlite"));
    }

    private static string PendingMessage(string context, string folder) =>
        $"The model has changes no migration captures. Add one: dotnet ef migrations add <Name> -p src/IdentityProvider -c {context} -o Data/Migrations/{folder}";
}
