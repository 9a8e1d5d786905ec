using System.Diagnostics;
using IdentityProvider.Data;
using IdentityProvider.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace IdentityProvider.Messaging;

/// <summary>
/// Delivers due outbox messages. Each round claims a batch with one atomic statement that sets a lease (on
/// PostgreSQL with <c>FOR UPDATE SKIP LOCKED</c>), so several nodes never take the same message, and a node that dies
/// mid-send releases its messages when the lease runs out. Each send goes through the channel's Polly pipeline
/// (quick retries with jitter for transient faults, a circuit breaker, a timeout); what still fails is rescheduled
/// with exponential backoff and jitter, and dead-lettered after the last attempt or on a permanent refusal.
/// </summary>
public sealed partial class OutboxDispatcher : BackgroundService
{
    private readonly IServiceScopeFactory scopes;
    private readonly IEnumerable<IMessageSender> senders;
    private readonly OutboxBodies bodies;
    private readonly IOptions<MessagingOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<OutboxDispatcher> logger;
    private readonly IdentityProviderMetrics metrics;
    private readonly OutboxGauges gauges;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ResiliencePipeline> pipelines = new(StringComparer.Ordinal);
    private long lastPrune;

    public OutboxDispatcher(
        IServiceScopeFactory scopes,
        IEnumerable<IMessageSender> senders,
        OutboxBodies bodies,
        IOptions<MessagingOptions> options,
        TimeProvider time,
        ILogger<OutboxDispatcher> logger,
        IdentityProviderMetrics metrics,
        OutboxGauges gauges)
    {
        this.metrics = metrics;
        this.gauges = gauges;
        this.scopes = scopes;
        this.senders = senders;
        this.bodies = bodies;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>This dispatcher's name in leases.</summary>
    public string NodeId { get; } = $"{Environment.MachineName}:{Guid.NewGuid():N}"[..Math.Min(100, Environment.MachineName.Length + 33)];

    /// <summary>Claims and delivers one batch; returns how many messages it handled.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        List<OutboxMessage> claimed;
        // The poll, the pruning and the sampling run every second on every node: untraced, or they would be most of the
        // traces. A delivery is traced (DeliverAsync).
        using (SuppressInstrumentationScope.Begin())
        {
            claimed = await ClaimAsync(db, cancellationToken);
        }

        foreach (var message in claimed)
        {
            await DeliverAsync(db, message, cancellationToken);
        }

        using (SuppressInstrumentationScope.Begin())
        {
            await PruneAsync(db, cancellationToken);
            await gauges.SampleAsync(db, cancellationToken);
        }

        return claimed.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = await DispatchOnceAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, error);
            }

            if (handled == 0)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<List<OutboxMessage>> ClaimAsync(ApplicationDbContext db, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var leaseUntil = now + (long)settings.Lease.TotalMilliseconds;
        var batch = settings.BatchSize;
        var owner = NodeId;
        var pending = (int)OutboxStatus.Pending;

        if (db.Database.IsNpgsql())
        {
            return await db.Set<OutboxMessage>().FromSql($"""
                UPDATE "OutboxMessages" SET "LeaseOwner" = {owner}, "LeaseUntil" = {leaseUntil}, "Attempts" = "Attempts" + 1
                WHERE "Id" IN (
                    SELECT "Id" FROM "OutboxMessages"
                    WHERE "Status" = {pending} AND "NextAttemptAt" <= {now} AND "LeaseUntil" <= {now}
                    ORDER BY "NextAttemptAt" LIMIT {batch}
                    FOR UPDATE SKIP LOCKED)
                  AND "Status" = {pending} AND "LeaseUntil" <= {now}
                RETURNING *
                """).AsNoTracking().ToListAsync(cancellationToken);
        }

        return await db.Set<OutboxMessage>().FromSql($"""
            UPDATE "OutboxMessages" SET "LeaseOwner" = {owner}, "LeaseUntil" = {leaseUntil}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT "Id" FROM "OutboxMessages"
                WHERE "Status" = {pending} AND "NextAttemptAt" <= {now} AND "LeaseUntil" <= {now}
                ORDER BY "NextAttemptAt" LIMIT {batch})
              AND "Status" = {pending} AND "LeaseUntil" <= {now}
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    private async Task DeliverAsync(ApplicationDbContext db, OutboxMessage message, CancellationToken cancellationToken)
    {
        // A trace of its own per delivery (the sender's span, e.g. SMTP, is its child): channel, template and attempt only.
        using var activity = IdentityProviderMetrics.Activities.StartActivity("outbox deliver", ActivityKind.Internal, parentContext: default);
        activity?.SetTag("identity_provider.message.channel", IdentityProviderMetrics.Name(message.Channel.ToString()));
        activity?.SetTag("identity_provider.message.template", message.Template);
        activity?.SetTag("identity_provider.message.attempt", message.Attempts);
        var outcome = await DeliverOnceAsync(db, message, cancellationToken);
        activity?.SetTag(IdentityProviderMetrics.OutcomeAttribute, outcome);
        if (outcome is "retry" or "dead_letter")
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }

        metrics.Delivery(message.Channel.ToString(), outcome);
    }

    /// <summary>One attempt; returns its outcome: sent, paused (circuit open, attempt not spent), retry or dead_letter.</summary>
    private async Task<string> DeliverOnceAsync(ApplicationDbContext db, OutboxMessage message, CancellationToken cancellationToken)
    {
        var sender = senders.FirstOrDefault(s => s.CanSend(message.Channel));
        string? error;
        var permanent = false;
        try
        {
            if (sender is null)
            {
                throw new PermanentDeliveryException($"No sender is configured for {message.Channel} messages.");
            }

            OutboxMessage clear;
            try
            {
                clear = bodies.Opened(message);
            }
            catch (System.Security.Cryptography.CryptographicException unreadable)
            {
                throw new PermanentDeliveryException("The message body cannot be decrypted (is the Data Protection key ring complete?).", unreadable);
            }

            await PipelineFor(message).ExecuteAsync(async token => await sender.SendAsync(clear, token), cancellationToken);
            var sentAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            // Delivered: the body (which may hold a code) is deleted; the metadata stays for the admin pages.
            await Mine(db, message).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sent)
                .SetProperty(m => m.SentAt, sentAt)
                .SetProperty(m => m.LeaseUntil, 0L)
                .SetProperty(m => m.TextBody, string.Empty)
                .SetProperty(m => m.HtmlBody, (string?)null)
                .SetProperty(m => m.LastError, (string?)null), cancellationToken);
            LogSent(logger, message.Id, message.Channel, message.Attempts);
            return "sent";
        }
        catch (PermanentDeliveryException refused)
        {
            error = refused.Message;
            permanent = true;
        }
        catch (BrokenCircuitException paused)
        {
            // Nothing was tried: the attempt is not spent, and the message waits until the circuit lets one through.
            var resume = time.GetUtcNow() + (paused.RetryAfter ?? options.Value.CircuitBreakDuration) + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000));
            await Mine(db, message).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Attempts, m => m.Attempts - 1)
                .SetProperty(m => m.NextAttemptAt, resume.ToUnixTimeMilliseconds())
                .SetProperty(m => m.LeaseUntil, 0L)
                .SetProperty(m => m.LastError, $"{message.Channel} deliveries to {message.Recipient} are paused after repeated failures."), cancellationToken);
            LogPaused(logger, message.Id, message.Channel, resume);
            return "paused";
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = failure.Message;
        }

        error = error.Length > 1000 ? error[..1000] : error;
        if (permanent || message.Attempts >= options.Value.MaxAttempts)
        {
            await Mine(db, message).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.DeadLettered)
                .SetProperty(m => m.LeaseUntil, 0L)
                .SetProperty(m => m.LastError, error), cancellationToken);
            LogDeadLettered(logger, message.Id, message.Channel, message.Attempts, error);
            return "dead_letter";
        }

        var next = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)Backoff(message.Attempts).TotalMilliseconds;
        await Mine(db, message).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.NextAttemptAt, next)
            .SetProperty(m => m.LeaseUntil, 0L)
            .SetProperty(m => m.LastError, error), cancellationToken);
        LogRetryLater(logger, message.Id, message.Channel, message.Attempts, error);
        return "retry";
    }

    /// <summary>
    /// The resilience pipeline (and so the circuit breaker) a message goes through: one per channel, since one SMTP
    /// server or telephony provider serves every recipient; one per app for back-channel logouts, so one app that is
    /// down does not pause the logouts of the others.
    /// </summary>
    private ResiliencePipeline PipelineFor(OutboxMessage message) =>
        pipelines.GetOrAdd(
            message.Channel == MessageChannel.BackChannelLogout ? $"{message.Channel}:{message.Recipient}" : message.Channel.ToString(),
            _ => BuildPipeline(options.Value));

    /// <summary>Exponential backoff with full jitter between half and the whole step.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var settings = options.Value;
        var step = Math.Min(settings.RetryMaxDelay.TotalMilliseconds, settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        return TimeSpan.FromMilliseconds(step * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private IQueryable<OutboxMessage> Mine(ApplicationDbContext db, OutboxMessage message) =>
        db.Set<OutboxMessage>().Where(m => m.Id == message.Id && m.LeaseOwner == NodeId);

    private async Task PruneAsync(ApplicationDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - lastPrune < 60_000)
        {
            return;
        }

        lastPrune = now;
        var before = now - (long)options.Value.SentRetention.TotalMilliseconds;
        await db.Set<OutboxMessage>().Where(m => m.Status == OutboxStatus.Sent && m.SentAt < before).ExecuteDeleteAsync(cancellationToken);
    }

    private static ResiliencePipeline BuildPipeline(MessagingOptions settings)
    {
        var transient = new PredicateBuilder()
            .Handle<Exception>(error => error is not PermanentDeliveryException and not BrokenCircuitException and not OperationCanceledException);
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(error => error is not PermanentDeliveryException and not OperationCanceledException),
                FailureRatio = 0.5,
                MinimumThroughput = 6,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = settings.CircuitBreakDuration,
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = settings.SendTimeout })
            .Build();
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Outbox message {MessageId} ({Channel}) delivered on attempt {Attempt}.")]
    private static partial void LogSent(ILogger logger, Guid messageId, MessageChannel channel, int attempt);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Outbox message {MessageId} ({Channel}) failed on attempt {Attempt}; will retry: {Error}")]
    private static partial void LogRetryLater(ILogger logger, Guid messageId, MessageChannel channel, int attempt, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Outbox message {MessageId} ({Channel}) dead-lettered after attempt {Attempt}: {Error}")]
    private static partial void LogDeadLettered(ILogger logger, Guid messageId, MessageChannel channel, int attempt, string error);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Outbox message {MessageId} ({Channel}) waits until {Resume:O}: deliveries to its recipient are paused after repeated failures.")]
    private static partial void LogPaused(ILogger logger, Guid messageId, MessageChannel channel, DateTimeOffset resume);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "An outbox dispatch round failed; the next round will try again.")]
    private static partial void LogRoundFailed(ILogger logger, Exception error);
}
