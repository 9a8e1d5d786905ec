using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Data;

/// <summary>
/// The policy in force: one row, created from configuration (<see cref="IOptions{T}"/>) the first time any node reads it
/// (nodes may race: the first insert wins), then cached on each node for <see cref="CacheLifetime"/>. Administrators
/// change it through Audit's <c>PolicyEditor&lt;T&gt;</c>, which audits each change.
/// </summary>
public sealed class StoredPolicy<T>(ApplicationDbContext db, IMemoryCache cache, IOptions<T> options, IEnumerable<IPolicySeeding<T>> seeding, TimeProvider time)
    where T : PolicySettings
{
    /// <summary>How long a node keeps the policy before reading it again; changes reach every node within this time.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    // One load at a time: a burst of requests meeting an empty cache reads the database once, not once each.
    private static readonly SemaphoreSlim Loading = new(1, 1);

    private static readonly JsonSerializerOptions Copying = new(JsonSerializerDefaults.Web);

    /// <summary>The policy in force (shared by every request on this node: never change it).</summary>
    public async Task<T> GetAsync(CancellationToken cancellationToken = default)
    {
        if (StoredPolicy.Cached<T>(cache) is { } cached)
        {
            return cached;
        }

        await Loading.WaitAsync(cancellationToken);
        try
        {
            if (StoredPolicy.Cached<T>(cache) is { } loaded)
            {
                return loaded;
            }

            var policy = await LoadOrSeedAsync(SeedAsync, cancellationToken);
            cache.Set(StoredPolicy.CacheKey<T>(), policy, CacheLifetime);
            return policy;
        }
        finally
        {
            Loading.Release();
        }
    }

    /// <summary>Forgets the cached policy on this node (after it changed here).</summary>
    public void Invalidate() => cache.Remove(StoredPolicy.CacheKey<T>());

    /// <summary>Stores <paramref name="initial"/> as the policy unless there is one already (the demo's own starting policy).</summary>
    internal async Task<T> SeedAsync(T initial, CancellationToken cancellationToken)
    {
        var policy = await LoadOrSeedAsync(_ => Task.FromResult(initial), cancellationToken);
        Invalidate();
        return policy;
    }

    /// <summary>The stored row, tracked, for a change (seeded first if need be).</summary>
    internal async Task<T> LoadForUpdateAsync(CancellationToken cancellationToken)
    {
        await GetAsync(cancellationToken);
        return await db.Set<T>().SingleAsync(row => row.Id == PolicySettings.SingletonId, cancellationToken);
    }

    private async Task<T> SeedAsync(CancellationToken cancellationToken)
    {
        // A copy through the settings' JSON form, so that the row shares nothing with the options.
        var seed = JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(options.Value, Copying), Copying)!;
        foreach (var step in seeding)
        {
            await step.SeedAsync(seed, cancellationToken);
        }

        return seed;
    }

    private async Task<T> LoadOrSeedAsync(Func<CancellationToken, Task<T>> seed, CancellationToken cancellationToken)
    {
        var existing = await db.Set<T>().AsNoTracking().SingleOrDefaultAsync(row => row.Id == PolicySettings.SingletonId, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var created = await seed(cancellationToken);
        created.Normalize();
        created.Id = PolicySettings.SingletonId;
        created.UpdatedAt = time.GetUtcNow();
        db.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            Detach(created);
            return created;
        }
        catch (DbUpdateException)
        {
            // Another node seeded it first: use theirs.
            db.ChangeTracker.Clear();
            return await db.Set<T>().AsNoTracking().SingleAsync(row => row.Id == PolicySettings.SingletonId, cancellationToken);
        }
    }

    // The row is cached and shared: later changes in this scope must load their own tracked copy.
    private void Detach(T created)
    {
        var entry = db.Entry(created);
        foreach (var item in entry.Collections.SelectMany(c => c.CurrentValue?.Cast<object>() ?? []).ToList())
        {
            db.Entry(item).State = EntityState.Detached;
        }

        entry.State = EntityState.Detached;
    }
}

/// <summary>What <see cref="StoredPolicy{T}"/> keeps in the memory cache.</summary>
public static class StoredPolicy
{
    /// <summary>The policy this node has cached, if any (for synchronous checks such as a password's maximum length).</summary>
    public static T? Cached<T>(IMemoryCache cache)
        where T : PolicySettings
    {
        ArgumentNullException.ThrowIfNull(cache);
        return cache.TryGetValue(CacheKey<T>(), out T? cached) ? cached : null;
    }

    internal static string CacheKey<T>() => "stored-policy:" + typeof(T).Name;
}

/// <summary>A step that completes a policy taken from configuration before it is first stored (e.g. group names → ids).</summary>
public interface IPolicySeeding<in T>
    where T : PolicySettings
{
    Task SeedAsync(T policy, CancellationToken cancellationToken);
}

internal static class StoredPolicyExtensions
{
    /// <summary>
    /// A stored policy: its class bound from <paramref name="section"/> and validated at start (the starting values),
    /// and <see cref="StoredPolicy{T}"/> to read it.
    /// </summary>
    public static IServiceCollection AddStoredPolicy<T>(this IServiceCollection services, string section)
        where T : PolicySettings
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddScoped<StoredPolicy<T>>();
        return services;
    }
}
