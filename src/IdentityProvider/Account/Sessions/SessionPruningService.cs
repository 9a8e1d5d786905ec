namespace IdentityProvider.Account.Sessions;

/// <summary>Deletes sessions that ended by time (absolute lifetime or idle timeout) every ten minutes.</summary>
internal sealed partial class SessionPruningService(IServiceScopeFactory scopes, ILogger<SessionPruningService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var pruned = await scope.ServiceProvider.GetRequiredService<UserSessions>().PruneAsync(stoppingToken);
                var counters = await scope.ServiceProvider.GetRequiredService<Lockout.LockoutCounters>().PruneAsync(stoppingToken);
                LogPruned(logger, pruned, counters);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may be away for a moment; the next tick tries again.
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Debug, Message = "Pruned {Sessions} ended sessions and {Counters} idle counters of unknown user IDs.")]
    private static partial void LogPruned(ILogger logger, int sessions, int counters);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Pruning sessions failed; trying again at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
