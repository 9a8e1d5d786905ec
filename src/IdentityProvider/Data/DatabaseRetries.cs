using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace IdentityProvider.Data;

/// <summary>
/// EF Core's retrying execution strategy for PostgreSQL, limited to where a retry cannot apply a change twice:
/// <list type="bullet">
/// <item>failures before anything reached the server: the connection was refused, the server is starting up or
/// shutting down (57P03), or it has no connection left (53300, 53400);</item>
/// <item>a serialization failure (40001) or a deadlock (40P01), after which the server rolled the statement back.</item>
/// </list>
/// A connection that breaks while a command runs is not retried (the command may have been applied), nor is anything
/// inside a transaction the code began itself (<c>BeginTransactionAsync</c>: a password change or a reset), which a
/// retry of one statement would leave half done; those fail with the transaction rolled back and are answered 503.
/// Everything else (reads, single saves) is retried up to <c>Database:MaxRetryCount</c> times.
/// </summary>
internal sealed class DatabaseRetries(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay)
    : NpgsqlRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay, errorCodesToAdd: null)
{
    /// <summary>Whether a failure is one after which running the same operation again is safe.</summary>
    public static bool IsSafeToRetry(Exception? exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections
            or PostgresErrorCodes.ConfigurationLimitExceeded or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        NpgsqlException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => true,
        _ => false,
    };

    protected override bool ShouldRetryOn(Exception? exception) => !InUserTransaction && IsSafeToRetry(exception);

    /// <summary>EF Core refuses a retrying strategy inside a user transaction; here such operations just run once.</summary>
    protected override void OnFirstExecution()
    {
        if (InUserTransaction)
        {
            ExceptionsEncountered.Clear();
            return;
        }

        base.OnFirstExecution();
    }

    private bool InUserTransaction => Dependencies.CurrentContext.Context.Database.CurrentTransaction is not null;
}
