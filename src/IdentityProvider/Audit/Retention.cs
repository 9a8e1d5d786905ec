using System.ComponentModel.DataAnnotations;
using IdentityProvider.Admin.Requests;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Audit;

/// <summary>How long records are kept before the retention service deletes them. Section <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>Audit events older than this are deleted. Default 365 days (1 day to 10 years).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan AuditEvents { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Messages that could not be delivered (dead letters, with their encrypted body) are deleted this long after they were queued. Default 30 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan DeadLetters { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Verification codes (only their keyed hashes are stored) are deleted this long after they expired. Default 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan VerificationCodes { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Resolved help requests are deleted this long after they were resolved (open ones are kept). Default 365 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan HelpdeskRequests { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How often the retention service runs. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The number of rows one retention round deleted, per kind.</summary>
public sealed record RetentionResult(int AuditEvents, int DeadLetters, int VerificationCodes, int HelpdeskRequests);

/// <summary>
/// Deletes what is older than <see cref="RetentionOptions"/> allows: audit events, dead-lettered messages, verification
/// codes and resolved help requests. Each kind is one set-based DELETE, so every node may run it at once.
/// </summary>
public sealed partial class RetentionService(
    IServiceScopeFactory scopes,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    public async Task<RetentionResult> PruneOnceAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();

        var auditBefore = now - settings.AuditEvents;
        var audit = await db.Set<AuditEvent>().Where(e => e.Time < auditBefore).ExecuteDeleteAsync(cancellationToken);

        var lettersBefore = (now - settings.DeadLetters).ToUnixTimeMilliseconds();
        var letters = await db.Set<OutboxMessage>().Where(m => m.Status == OutboxStatus.DeadLettered && m.CreatedAt < lettersBefore)
            .ExecuteDeleteAsync(cancellationToken);

        var codesBefore = (now - settings.VerificationCodes).ToUnixTimeMilliseconds();
        var codes = await db.Set<VerificationCode>().Where(c => c.ExpiresAt < codesBefore).ExecuteDeleteAsync(cancellationToken);

        var requestsBefore = now - settings.HelpdeskRequests;
        var requests = await db.Set<HelpdeskRequest>().Where(r => r.Status == HelpdeskRequestStatus.Resolved && r.ResolvedAt < requestsBefore)
            .ExecuteDeleteAsync(cancellationToken);

        var result = new RetentionResult(audit, letters, codes, requests);
        LogPruned(logger, result.AuditEvents, result.DeadLetters, result.VerificationCodes, result.HelpdeskRequests);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
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

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Retention deleted {AuditEvents} audit event(s), {DeadLetters} dead letter(s), {Codes} verification code(s) and {Requests} help request(s).")]
    private static partial void LogPruned(ILogger logger, int auditEvents, int deadLetters, int codes, int requests);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Deleting old records failed; the next round tries again.")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
