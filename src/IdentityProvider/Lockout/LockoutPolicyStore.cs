using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Lockout;

/// <summary>The lockout policy in force, read from the database (seeded from configuration once) and cached briefly.</summary>
public sealed class LockoutPolicyStore(ApplicationDbContext db, IMemoryCache cache, IOptions<LockoutOptions> options, TimeProvider time)
{
    private const string CacheKey = "lockout-policy";

    public async Task<LockoutPolicySettings> GetAsync(CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(CacheKey, out LockoutPolicySettings? cached) && cached is not null)
        {
            return cached;
        }

        var seed = options.Value;
        var settings = await SingletonRows.LoadOrSeedAsync(db, LockoutPolicySettings.SingletonId, () => new LockoutPolicySettings
        {
            Threshold = seed.Threshold,
            FirstLockoutSeconds = (int)seed.FirstLockout.TotalSeconds,
            MaximumLockoutSeconds = (int)seed.MaximumLockout.TotalSeconds,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        cache.Set(CacheKey, settings, TimeSpan.FromSeconds(30));
        return settings;
    }

    public void Invalidate() => cache.Remove(CacheKey);
}
