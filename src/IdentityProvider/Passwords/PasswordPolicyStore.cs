using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>The password policy in force, read from the database (seeded from configuration once) and cached briefly.</summary>
public sealed class PasswordPolicyStore(
    ApplicationDbContext db,
    IMemoryCache cache,
    IOptions<PasswordPolicyOptions> options,
    TimeProvider time)
{
    private const string CacheKey = "password-policy";
    private static readonly SemaphoreSlim Loading = new(1, 1);

    /// <summary>How long a node keeps the policy before reading it again; changes reach every node within this time.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    public async Task<EffectivePasswordPolicy> GetAsync(CancellationToken cancellationToken = default)
    {
        if (Cached(cache) is { } cached)
        {
            return cached;
        }

        // One load at a time: a burst of requests meeting an empty cache reads the database once, not once each.
        await Loading.WaitAsync(cancellationToken);
        try
        {
            if (Cached(cache) is { } loaded)
            {
                return loaded;
            }

            var settings = await LoadOrSeedAsync(cancellationToken);
            var policy = new EffectivePasswordPolicy(
                settings,
                BannedTermIndex.Build(settings.CustomBannedTerms.Select(t => t.Term), BannedTermIndex.MinimumTermLength));
            cache.Set(CacheKey, policy, CacheLifetime);
            return policy;
        }
        finally
        {
            Loading.Release();
        }
    }

    /// <summary>The policy this node has cached, if any (for synchronous checks; see <see cref="PasswordLength"/>).</summary>
    public static EffectivePasswordPolicy? Cached(IMemoryCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return cache.TryGetValue(CacheKey, out EffectivePasswordPolicy? cached) ? cached : null;
    }

    /// <summary>Forgets the cached policy on this node (after an administrator changed it here).</summary>
    public void Invalidate() => cache.Remove(CacheKey);

    private Task<PasswordPolicySettings> LoadOrSeedAsync(CancellationToken cancellationToken)
    {
        var seed = options.Value;
        return SingletonRows.LoadOrSeedAsync(db, PasswordPolicySettings.SingletonId, () => new PasswordPolicySettings
        {
            MinimumLength = seed.MinimumLength,
            MaximumLength = seed.MaximumLength,
            RequireCharacterClasses = seed.RequireCharacterClasses,
            BannedPasswordCheck = seed.BannedPasswordCheck,
            HistoryDepth = seed.HistoryDepth,
            HistoryOnReset = seed.HistoryOnReset,
            ExpiryDays = seed.ExpiryDays,
            ExpiryWarningDays = seed.ExpiryWarningDays,
            UpdatedAt = time.GetUtcNow(),
            CustomBannedTerms = [.. seed.CustomBannedTerms.Select(term => term.Trim()).Where(term => term.Length > 0)
                .Distinct(StringComparer.OrdinalIgnoreCase).Select(term => new CustomBannedTerm { Term = term })],
        }, cancellationToken, query => query.Include(p => p.CustomBannedTerms));
    }
}

/// <summary>The stored policy with its organisation terms indexed.</summary>
public sealed record EffectivePasswordPolicy(PasswordPolicySettings Settings, BannedTermIndex CustomTerms);
