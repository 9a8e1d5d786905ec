using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Directories;

/// <summary>The last sync of one directory, and the lease that lets one node at a time run it.</summary>
public sealed class DirectorySyncState
{
    /// <summary>The directory's configured name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Until when a node holds the sync (another node does not start one before).</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset? LastStartedAt { get; set; }

    public DateTimeOffset? LastFinishedAt { get; set; }

    /// <summary>Whether the last sync read the directory to the end.</summary>
    public bool LastSucceeded { get; set; }

    /// <summary>What the last sync did, or why it failed, in a sentence.</summary>
    public string? LastResult { get; set; }

    /// <summary>Users the directory returned in the last sync.</summary>
    public int Users { get; set; }
}

internal sealed class DirectorySyncStateConfiguration : IEntityTypeConfiguration<DirectorySyncState>
{
    public void Configure(EntityTypeBuilder<DirectorySyncState> builder)
    {
        builder.ToTable("DirectorySyncStates");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(32);
        builder.Property(s => s.LastResult).HasMaxLength(500);
    }
}

/// <summary>What one sync of one directory did.</summary>
public sealed record DirectorySyncResult(string Directory, bool Succeeded, int Users, int Imported, int Updated, int Disabled, string Summary);

/// <summary>
/// Reads a directory's users and brings their local accounts up to date: contact data (which feeds self-service: a
/// changed mobile number counts at once), names, directory groups; imports new users when the directory is set to
/// import all (<see cref="DirectoryOptions.ImportAllUsers"/>); disables (and signs out) a linked user the directory no
/// longer returns, unless the directory returned nobody at all (a filter or base DN mistake, not a mass departure).
/// One node at a time runs a directory's sync (a lease row).
/// </summary>
public sealed partial class DirectorySynchronizer(
    DirectoryRegistry registry,
    DirectoryAccounts accounts,
    ApplicationDbContext db,
    UserSessions sessions,
    AuditLog audit,
    TimeProvider time,
    ILogger<DirectorySynchronizer> logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>The last sync of every configured directory (a directory never synced has none).</summary>
    public Task<List<DirectorySyncState>> StatesAsync(CancellationToken cancellationToken = default) =>
        db.Set<DirectorySyncState>().AsNoTracking().ToListAsync(cancellationToken);

    /// <summary>Syncs the directory now, unless another node is syncing it (then null).</summary>
    public async Task<DirectorySyncResult?> SyncAsync(string name, CancellationToken cancellationToken = default)
    {
        var directory = registry.Find(name) ?? throw new ArgumentException($"No directory is configured under the name '{name}'.", nameof(name));
        if (!await TakeLeaseAsync(directory.Name, cancellationToken))
        {
            return null;
        }

        var started = time.GetUtcNow();
        DirectorySyncResult result;
        try
        {
            result = await RunAsync(directory, cancellationToken);
        }
        catch (DirectoryUnavailableException exception)
        {
            result = new DirectorySyncResult(directory.Name, false, 0, 0, 0, 0, exception.Message);
            db.ChangeTracker.Clear();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // E.g. a sign-in imported the same user at the same moment (a unique key): this round stops, the lease is
            // given back below, and the next round starts from what is stored.
            LogRoundFailed(logger, exception, directory.Name);
            result = new DirectorySyncResult(directory.Name, false, 0, 0, 0, 0, "The sync stopped: " + exception.GetType().Name + ". It runs again at the next interval.");
            db.ChangeTracker.Clear();
        }

        await db.Set<DirectorySyncState>().Where(s => s.Name == directory.Name).ExecuteUpdateAsync(set => set
            .SetProperty(s => s.LeaseUntil, (DateTimeOffset?)null)
            .SetProperty(s => s.LastStartedAt, started)
            .SetProperty(s => s.LastFinishedAt, time.GetUtcNow())
            .SetProperty(s => s.LastSucceeded, result.Succeeded)
            .SetProperty(s => s.LastResult, result.Summary.Length > 500 ? result.Summary[..500] : result.Summary)
            .SetProperty(s => s.Users, result.Users), cancellationToken);
        audit.Add(AuditEventTypes.DirectorySynced, null, result.Succeeded ? AuditLog.Success : AuditLog.Failure, result.Summary, method: directory.Name);
        await audit.SaveAsync(cancellationToken);
        LogSynced(logger, directory.Name, result.Summary);
        return result;
    }

    private async Task<DirectorySyncResult> RunAsync(DirectoryConnector directory, CancellationToken cancellationToken)
    {
        var entries = await directory.ListAsync(cancellationToken);
        var linked = await db.Users.Where(u => u.DirectoryName == directory.Name).ToListAsync(cancellationToken);
        // A DN (AD: CN=Full Name,…) can be reused, so two accounts here may carry one: the enabled one counts.
        var byDn = Index(linked, u => u.DirectoryDn);
        var byName = Index(linked, u => u.UserName);
        var byObjectId = Index(linked, u => u.DirectoryObjectId);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int imported = 0, updated = 0, disabled = 0;
        foreach (var entry in entries)
        {
            var user = (entry.ObjectId is null ? null : byObjectId.GetValueOrDefault(entry.ObjectId))
                ?? byDn.GetValueOrDefault(entry.Dn) ?? byName.GetValueOrDefault(entry.UserName);
            if (user?.DirectoryObjectId is { } known && entry.ObjectId is { } current && !string.Equals(known, current, StringComparison.OrdinalIgnoreCase))
            {
                // A new person at a departed person's DN or user ID: the departed person's account is not theirs (it is
                // disabled below as gone); the newcomer is imported only once that account's name is free.
                user = null;
            }

            if (user is null)
            {
                if (directory.Options.ImportAllUsers && await accounts.ImportAsync(directory, entry, cancellationToken) is { } created)
                {
                    seen.Add(created.Id);
                    imported++;
                }

                continue;
            }

            seen.Add(user.Id);
            if ((await accounts.UpdateAsync(directory, user, entry, cancellationToken)).Count > 0)
            {
                updated++;
            }
        }

        // A directory that returns nobody while users are linked to it is more likely misconfigured than emptied.
        if (entries.Count > 0)
        {
            foreach (var gone in linked.Where(u => u.IsEnabled && !seen.Contains(u.Id)))
            {
                gone.IsEnabled = false;
                await sessions.EndAllAsync(gone, keepSessionId: null, cancellationToken);
                audit.Add(AuditEventTypes.DirectoryUserDisabled, gone.Id, AuditLog.Success, "not-in-directory", method: directory.Name);
                disabled++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        var summary = $"Read {entries.Count} users: {imported} imported, {updated} updated, {disabled} disabled.";
        return new DirectorySyncResult(directory.Name, true, entries.Count, imported, updated, disabled, summary);
    }

    private static Dictionary<string, ApplicationUser> Index(List<ApplicationUser> users, Func<ApplicationUser, string?> key) =>
        users.Where(u => key(u) is not null).GroupBy(u => key(u)!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(u => u.IsEnabled).First(), StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes the directory's sync lease in one statement (creating its row the first time); false when another node holds it.</summary>
    private async Task<bool> TakeLeaseAsync(string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!await db.Set<DirectorySyncState>().AnyAsync(s => s.Name == name, cancellationToken))
        {
            try
            {
                db.Add(new DirectorySyncState { Name = name });
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another node created it first.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        var taken = await db.Set<DirectorySyncState>()
            .Where(s => s.Name == name && (s.LeaseUntil == null || s.LeaseUntil < now))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseUntil, now + Lease), cancellationToken);
        return taken == 1;
    }

    [LoggerMessage(EventId = 9022, Level = LogLevel.Warning, Message = "Directory {Directory}: a sync round stopped.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 9020, Level = LogLevel.Information, Message = "Directory {Directory} synced: {Summary}")]
    private static partial void LogSynced(ILogger logger, string directory, string summary);
}

/// <summary>Runs each directory's sync on its interval (the first one shortly after start).</summary>
public sealed partial class DirectorySyncService(
    IServiceScopeFactory scopes,
    DirectoryRegistry registry,
    IOptions<DirectoriesOptions> options,
    TimeProvider time,
    ILogger<DirectorySyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (registry.All.Count == 0 || !options.Value.ScheduledSync)
        {
            return;
        }

        var due = registry.All.ToDictionary(d => d.Name, _ => time.GetUtcNow() + TimeSpan.FromSeconds(10), StringComparer.OrdinalIgnoreCase);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var directory in registry.All.Where(d => due[d.Name] <= time.GetUtcNow()))
            {
                due[directory.Name] = time.GetUtcNow() + directory.Options.SyncInterval;
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DirectorySynchronizer>().SyncAsync(directory.Name, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogFailed(logger, exception, directory.Name);
                }
            }
        }
    }

    [LoggerMessage(EventId = 9021, Level = LogLevel.Error, Message = "Directory {Directory}: the sync failed.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string directory);
}

/// <summary>
/// <c>/health/ready</c>: Degraded (not Unhealthy: local users still sign in) while a directory cannot be reached. The
/// probe never waits on a directory: it answers the last check's result at once and, when that is older than 15
/// seconds, starts the next check in the background (one at a time per node). The first probe after start answers
/// Healthy ("not checked yet") and starts the first check.
/// </summary>
public sealed class DirectoryHealthCheck(DirectoryRegistry registry, TimeProvider time) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck, IDisposable
{
    private static readonly TimeSpan Keep = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim checking = new(1, 1);
    // Written by the background check, read by probes: one reference, swapped whole.
    private volatile Kept? last;

    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (registry.All.Count == 0)
        {
            return Task.FromResult(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("No directory is configured."));
        }

        var kept = last;
        if ((kept is null || time.GetUtcNow() - kept.At >= Keep) && checking.Wait(0, CancellationToken.None))
        {
            _ = Task.Run(RefreshAsync, CancellationToken.None);
        }

        return Task.FromResult(kept?.Result ?? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("The directories are not checked yet."));
    }

    private async Task RefreshAsync()
    {
        try
        {
            var failures = new List<string>();
            foreach (var directory in registry.All)
            {
                var test = await directory.TestAsync(CancellationToken.None);
                if (!test.Succeeded)
                {
                    failures.Add($"{directory.Name}: {test.Detail}");
                }
            }

            last = new Kept(time.GetUtcNow(), failures.Count == 0
                ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("Every directory answers.")
                : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded("Not reachable: " + string.Join("; ", failures)));
        }
        finally
        {
            checking.Release();
        }
    }

    public void Dispose() => checking.Dispose();

    private sealed record Kept(DateTimeOffset At, Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult Result);
}
