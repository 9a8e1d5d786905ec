using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>The password policy in force, read from the database (seeded from configuration once) and cached briefly.</summary>
internal sealed class PasswordPolicyStore(
    ApplicationDbContext db,
    IMemoryCache cache,
    IOptions<PasswordPolicyOptions> options,
    TimeProvider time)
{
    private const string CacheKey = "password-policy";

    /// <summary>How long a node keeps the policy before reading it again; changes reach every node within this time.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    public async Task<EffectivePasswordPolicy> GetAsync(CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(CacheKey, out EffectivePasswordPolicy? cached) && cached is not null)
        {
            return cached;
        }

        var settings = await LoadOrSeedAsync(cancellationToken);
        var policy = new EffectivePasswordPolicy(
            settings,
            BannedTermIndex.Build(settings.CustomBannedTerms.Select(t => t.Term), BannedTermIndex.MinimumTermLength));
        cache.Set(CacheKey, policy, CacheLifetime);
        return policy;
    }

    /// <summary>Forgets the cached policy on this node (after an administrator changed it here).</summary>
    public void Invalidate() => cache.Remove(CacheKey);

    private async Task<PasswordPolicySettings> LoadOrSeedAsync(CancellationToken cancellationToken)
    {
        var settings = await Query().FirstOrDefaultAsync(cancellationToken);
        if (settings is not null)
        {
            return settings;
        }

        var seed = options.Value;
        settings = new PasswordPolicySettings
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
        };
        db.Add(settings);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return settings;
        }
        catch (DbUpdateException)
        {
            // Another node seeded it first: use theirs.
            db.Entry(settings).State = EntityState.Detached;
            foreach (var term in settings.CustomBannedTerms)
            {
                db.Entry(term).State = EntityState.Detached;
            }

            return await Query().FirstAsync(cancellationToken);
        }
    }

    private IQueryable<PasswordPolicySettings> Query() =>
        db.Set<PasswordPolicySettings>().AsNoTracking().Include(p => p.CustomBannedTerms)
            .Where(p => p.Id == PasswordPolicySettings.SingletonId);
}

/// <summary>The stored policy with its organisation terms indexed.</summary>
internal sealed record EffectivePasswordPolicy(PasswordPolicySettings Settings, BannedTermIndex CustomTerms);
