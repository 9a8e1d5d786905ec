namespace IdentityProvider.Audit;

/// <summary>
/// Audit events that must outlive the unit of work of the step that caused them: what happened outside this service
/// (a directory refused a password, was unreachable, unlocked an account) while the step's own transaction is about to
/// roll back. They are written once the request's handler is done, in a unit of work of their own
/// (<see cref="DeferredAuditFlush"/>): writing them during the step would wait for the step's own write lock on SQLite.
/// Outside a request they are written at once.
/// </summary>
public sealed class DeferredAudit(IHttpContextAccessor http, IServiceScopeFactory scopes)
{
    private readonly List<(string EventType, string? UserId, string Outcome, string? Reason, string? Method)> pending = [];

    /// <summary>Adds an event to be written once the request's step is over, whatever becomes of the step's own changes.</summary>
    public async Task AddAsync(string eventType, string? userId, string outcome, string? reason = null, string? method = null, CancellationToken cancellationToken = default)
    {
        pending.Add((eventType, userId, outcome, reason, method));
        if (http.HttpContext is null)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Writes the pending events in a unit of work of their own.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (pending.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        foreach (var (eventType, userId, outcome, reason, method) in pending)
        {
            audit.Add(eventType, userId, outcome, reason, method);
        }

        pending.Clear();
        await audit.SaveAsync(cancellationToken);
    }
}

/// <summary>Writes a request's <see cref="DeferredAudit"/> events once its handler is done (also when it threw, before the error is answered).</summary>
internal sealed partial class DeferredAuditFlush(RequestDelegate next, ILogger<DeferredAuditFlush> logger)
{
    public async Task InvokeAsync(HttpContext context, DeferredAudit deferred)
    {
        try
        {
            await next(context);
        }
        finally
        {
            try
            {
                // Not with the request's cancellation: the events happened whether or not the caller still listens.
                await deferred.FlushAsync(CancellationToken.None);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The step's own answer stands; the lost events are logged.
                LogLost(logger, exception);
            }
        }
    }

    [LoggerMessage(EventId = 6110, Level = LogLevel.Error, Message = "Deferred audit events could not be written.")]
    private static partial void LogLost(ILogger logger, Exception exception);
}
