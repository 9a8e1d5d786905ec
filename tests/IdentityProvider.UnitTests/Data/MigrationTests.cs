using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace IdentityProvider.UnitTests.Data;

/// <summary>
/// The migrations of each provider capture the whole model: a change to an entity needs its migration. The server runs on
/// a compiled copy of each model (Data/CompiledModels), so a change also needs that copy regenerated.
/// </summary>
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

    [Fact]
    public void PostgreSqlCompiledModel_IsTheModelTheCodeBuilds()
    {
        using var fromCode = new PostgreSqlDesignTimeFactory().CreateDbContext([]);
        using var compiled = new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>()
            .UseModel(IdentityProvider.CompiledModels.PostgreSql.PostgreSqlDbContextModel.Instance)
            .UseNpgsql("Host=localhost;Database=design_time")
            .UseOpenIddict()
            .Options);

        AssertSameModel(fromCode, compiled);
    }

    [Fact]
    public void SqliteCompiledModel_IsTheModelTheCodeBuilds()
    {
        using var fromCode = new SqliteDesignTimeFactory().CreateDbContext([]);
        using var compiled = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>()
            .UseModel(IdentityProvider.CompiledModels.Sqlite.SqliteDbContextModel.Instance)
            .UseSqlite("Data Source=:memory:")
            .UseOpenIddict()
            .Options);

        AssertSameModel(fromCode, compiled);
    }

    private static void AssertSameModel(DbContext fromCode, DbContext compiled)
    {
        const string refresh = "The compiled model is older than the entity configurations. Regenerate it: src/IdentityProvider/CompiledModels/refresh.sh";
        Assert.NotSame(fromCode.Model, compiled.Model);
        // Every entity, property (type, nullability, length), key, index, relationship and annotation. The code's model is
        // built without the server's services: Identity's store options (ProtectPersonalData, MaxLengthForKeys) are read
        // at model building and must stay at their defaults, or the compiled model must be generated with them.
        var expected = fromCode.Model.ToDebugString(MetadataDebugStringOptions.LongDefault);
        var actual = compiled.Model.ToDebugString(MetadataDebugStringOptions.LongDefault);
        Assert.True(expected.Length > 10_000, "The model description is unexpectedly short.");
        Assert.True(expected == actual, refresh + "\n" + FirstDifference(expected, actual));

        // What the description leaves out: each property's value converter, provider type, store type and precision.
        var code = StoreMapping(fromCode.Model);
        var ahead = StoreMapping(compiled.Model);
        Assert.True(code == ahead, refresh + "\n" + FirstDifference(code, ahead));
    }

    private static string StoreMapping(Microsoft.EntityFrameworkCore.Metadata.IModel model) =>
        string.Join('\n', model.GetEntityTypes().OrderBy(entity => entity.Name, StringComparer.Ordinal)
            .SelectMany(entity => entity.GetProperties().Select(property =>
                $"{entity.Name}.{property.Name}: {property.GetValueConverter()?.GetType().FullName} {property.GetProviderClrType()?.FullName} " +
                $"{property.GetColumnType()} {property.GetPrecision()} {property.GetScale()} {property.IsUnicode()}")));

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return $"line {i + 1}: the code builds '{a[i].Trim()}', the compiled model has '{b[i].Trim()}'";
            }
        }

        return $"the code's model has {a.Length} lines, the compiled one {b.Length}";
    }

    private static string PendingMessage(string context, string folder) =>
        $"The model has changes no migration captures. Add one: dotnet ef migrations add <Name> -p src/IdentityProvider -c {context} -o Data/Migrations/{folder}";
}
