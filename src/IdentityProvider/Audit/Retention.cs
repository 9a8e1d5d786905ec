using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
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

/// <summary>
/// One kind of record that retention deletes once it is old enough. Each module registers the rules for its own
/// records (<see cref="RetentionRules.AddRetentionRule"/>), so retention knows none of them.
/// </summary>
/// <param name="Kind">The kind's name, which is also the <see cref="RetentionOptions"/> setting that gives its age.</param>
/// <param name="DeleteAsync">One set-based delete of the expired rows, given the settings and the time now; returns the rows deleted.</param>
public sealed record RetentionRule(string Kind, Func<ApplicationDbContext, RetentionOptions, DateTimeOffset, CancellationToken, Task<int>> DeleteAsync);

/// <summary>How modules hand their records to retention.</summary>
public static class RetentionRules
{
    /// <summary>Registers a kind of record for <see cref="RetentionService"/> to delete when it expires.</summary>
    public static IServiceCollection AddRetentionRule(
        this IServiceCollection services,
        string kind,
        Func<ApplicationDbContext, RetentionOptions, DateTimeOffset, CancellationToken, Task<int>> deleteAsync) =>
        services.AddSingleton(new RetentionRule(kind, deleteAsync));
}

/// <summary>The number of rows one retention round deleted, per kind (<see cref="RetentionRule.Kind"/>).</summary>
public sealed record RetentionResult(IReadOnlyDictionary<string, int> Deleted)
{
    /// <summary>The rows of <paramref name="kind"/> deleted; 0 for a kind no rule names.</summary>
    public int this[string kind] => Deleted.GetValueOrDefault(kind);

    public override string ToString() => string.Join(", ", Deleted.Select(kind => $"{kind.Key}: {kind.Value}"));
}

/// <summary>
/// Deletes what is older than <see cref="RetentionOptions"/> allows: audit events here, and each kind of record other
/// modules registered a <see cref="RetentionRule"/> for (dead-lettered messages, verification codes, resolved help
/// requests). Each kind is one set-based DELETE, so every node may run it at once.
/// </summary>
public sealed partial class RetentionService(
    IServiceScopeFactory scopes,
    IEnumerable<RetentionRule> rules,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>The rule for this module's own records.</summary>
    internal static readonly RetentionRule AuditEvents = new(nameof(RetentionOptions.AuditEvents), (db, settings, now, cancellationToken) =>
    {
        var before = now - settings.AuditEvents;
        return db.Set<AuditEvent>().Where(e => e.Time < before).ExecuteDeleteAsync(cancellationToken);
    });

    public async Task<RetentionResult> PruneOnceAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var deleted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            deleted[rule.Kind] = await rule.DeleteAsync(db, settings, now, cancellationToken);
        }

        var result = new RetentionResult(deleted);
        LogPruned(logger, result);
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

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Retention deleted rows per kind: {Deleted}.")]
    private static partial void LogPruned(ILogger logger, RetentionResult deleted);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Deleting old records failed; the next round tries again.")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
