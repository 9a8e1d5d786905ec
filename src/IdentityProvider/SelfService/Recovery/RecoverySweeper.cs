namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// Every few minutes: journeys that ran out unfinished get their "expired" audit event, old journeys are deleted,
/// and self-service attempts older than any window are pruned. Safe to run on every node at once.
/// </summary>
internal sealed partial class RecoverySweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<RecoverySweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RecoveryJourneys>().SweepAsync(stoppingToken);
                await scope.ServiceProvider.GetRequiredService<RecoveryThrottle>().PruneAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogSweepFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(EventId = 5090, Level = LogLevel.Warning, Message = "Sweeping self-service journeys failed; the next round tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
