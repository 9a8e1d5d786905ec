using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService;

/// <summary>The stored SSPR policy: one row (methods kept as a comma-separated list), seeded from <see cref="SsprOptions"/>.</summary>
public sealed class SsprPolicySettings
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public SsprScope Scope { get; set; }

    /// <summary>Group ids enabled when the scope is Selected, comma-separated.</summary>
    public string SelectedGroupIds { get; set; } = string.Empty;

    public string Methods { get; set; } = string.Empty;

    public int MethodsRequired { get; set; }

    public int QuestionsToRegister { get; set; }

    public int QuestionsToReset { get; set; }

    public bool AllowUnlockWithoutReset { get; set; }

    public bool PrivateOutcomes { get; set; }

    /// <summary>Empty: email the helpdesk role; an email address; or an https URL to send users to.</summary>
    public string? ContactAdministrator { get; set; }

    public bool NotifyUserOnReset { get; set; }

    public bool RegistrationRequired { get; set; }

    public bool RegistrationSkippable { get; set; }

    /// <summary>Days after which users confirm their methods again; 0 = never.</summary>
    public int ReconfirmDays { get; set; }

    public bool NotifyAdministratorsOnAdminReset { get; set; }

    /// <summary>The custom page users are sent to for help, if one is configured.</summary>
    public Uri? ContactUrl => Uri.TryCreate(ContactAdministrator, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null;

    /// <summary>The custom helpdesk address requests go to, if one is configured.</summary>
    public string? ContactEmail => ContactUrl is null && !string.IsNullOrWhiteSpace(ContactAdministrator) && ContactAdministrator.Contains('@', StringComparison.Ordinal) ? ContactAdministrator.Trim() : null;

    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlySet<RecoveryMethod> AllowedMethods =>
        Methods.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<RecoveryMethod>).ToHashSet();

    public IReadOnlyList<Guid> GroupIds => [.. SelectedGroupIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)];
}

internal sealed class SsprPolicySettingsConfiguration : IEntityTypeConfiguration<SsprPolicySettings>
{
    public void Configure(EntityTypeBuilder<SsprPolicySettings> builder)
    {
        builder.ToTable("SsprPolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.SelectedGroupIds).HasMaxLength(4000);
        builder.Property(p => p.Methods).HasMaxLength(200);
        builder.Ignore(p => p.AllowedMethods);
        builder.Ignore(p => p.GroupIds);
        builder.Ignore(p => p.ContactUrl);
        builder.Ignore(p => p.ContactEmail);
        builder.Property(p => p.ContactAdministrator).HasMaxLength(500);
    }
}

/// <summary>The SSPR policy in force, read from the database (seeded from configuration once) and cached briefly.</summary>
public sealed class SsprPolicyStore(ApplicationDbContext db, IMemoryCache cache, IOptions<SsprOptions> options, TimeProvider time)
{
    private const string CacheKey = "sspr-policy";

    public async Task<SsprPolicySettings> GetAsync(CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(CacheKey, out SsprPolicySettings? cached) && cached is not null)
        {
            return cached;
        }

        var seed = options.Value;
        var groupIds = seed.Groups.Count == 0
            ? []
            : await db.Set<Group>().Where(g => seed.Groups.Contains(g.Name)).Select(g => g.Id).ToListAsync(cancellationToken);
        var settings = await SingletonRows.LoadOrSeedAsync(db, SsprPolicySettings.SingletonId, () => new SsprPolicySettings
        {
            Scope = seed.Scope,
            SelectedGroupIds = string.Join(',', groupIds),
            Methods = string.Join(',', seed.Methods.Distinct()),
            MethodsRequired = seed.MethodsRequired,
            QuestionsToRegister = seed.QuestionsToRegister,
            QuestionsToReset = Math.Min(seed.QuestionsToReset, seed.QuestionsToRegister),
            AllowUnlockWithoutReset = seed.AllowUnlockWithoutReset,
            PrivateOutcomes = seed.PrivateOutcomes,
            ContactAdministrator = string.IsNullOrWhiteSpace(seed.ContactAdministrator) ? null : seed.ContactAdministrator.Trim(),
            NotifyUserOnReset = seed.NotifyUserOnReset,
            NotifyAdministratorsOnAdminReset = seed.NotifyAdministratorsOnAdminReset,
            RegistrationRequired = seed.RegistrationRequired,
            RegistrationSkippable = seed.RegistrationSkippable,
            ReconfirmDays = seed.ReconfirmDays,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        cache.Set(CacheKey, settings, TimeSpan.FromSeconds(30));
        return settings;
    }

    public void Invalidate() => cache.Remove(CacheKey);
}
