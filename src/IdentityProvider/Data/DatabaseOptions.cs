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

    /// <summary>
    /// PostgreSQL connections one node keeps at most (Npgsql's <c>Maximum Pool Size</c>; a value in the connection
    /// string wins). Every node may hold this many, so keep <c>nodes × MaxPoolSize</c> plus a few for migrations and
    /// administration below the server's <c>max_connections</c> (100 by default, 3 of them reserved for superusers).
    /// A request that finds the pool empty waits for a connection (the connection string's <c>Timeout</c>, 15 seconds by
    /// default) and is then answered 503. Default 30.
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 30;

    /// <summary>
    /// Retries of a database operation that failed before reaching the server or was rolled back by it (see
    /// <see cref="DatabaseRetries"/>); 0 turns retries off. PostgreSQL only. Default 2.
    /// </summary>
    [Range(0, 10)]
    public int MaxRetryCount { get; set; } = 2;

    /// <summary>The longest pause between two retries (they back off exponentially from none). Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The supported database engines.</summary>
public enum DatabaseProvider
{
    PostgreSql,
    Sqlite,
}
