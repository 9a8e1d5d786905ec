using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace IdentityProvider.Oidc;

/// <summary>
/// Deletes expired, redeemed and revoked tokens and unused authorizations on a schedule.
/// </summary>
internal sealed partial class TokenPruningService(
    IServiceScopeFactory scopes,
    IOptions<OidcOptions> options,
    TimeProvider time,
    ILogger<TokenPruningService> logger) : BackgroundService
{
    public async Task PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var threshold = time.GetUtcNow() - options.Value.PruneAge;
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        LogPruned(logger, tokens, authorizations);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogPruneFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Pruned {Tokens} token(s) and {Authorizations} authorization(s).")]
    private static partial void LogPruned(ILogger logger, long tokens, long authorizations);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Pruning tokens failed; will try again at the next interval.")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
