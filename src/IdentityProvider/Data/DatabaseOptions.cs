using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Data;

/// <summary>Which database the server uses and what it does with it at start. Section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// <c>PostgreSql</c> or <c>Sqlite</c>. When empty, PostgreSQL is used if <c>ConnectionStrings:PostgreSql</c>
    /// is set, otherwise the embedded SQLite file from <c>ConnectionStrings:Sqlite</c>.
    /// </summary>
    public DatabaseProvider? Provider { get; set; }

    /// <summary>
    /// Apply pending migrations when the server starts. On for the embedded default; in production run
    /// the <c>migrate</c> command instead so that schema changes are a deliberate step.
    /// </summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>Seconds a database command may run before it is cancelled.</summary>
    [Range(1, 600)]
    public int CommandTimeoutSeconds { get; set; } = 30;
}

/// <summary>The supported database engines.</summary>
public enum DatabaseProvider
{
    PostgreSql,
    Sqlite,
}
