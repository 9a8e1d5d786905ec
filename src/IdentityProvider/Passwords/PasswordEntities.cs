using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Passwords;

/// <summary>The stored password policy: one row, seeded from <see cref="PasswordPolicyOptions"/>.</summary>
public sealed class PasswordPolicySettings
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public int MinimumLength { get; set; }

    public int MaximumLength { get; set; }

    public bool RequireCharacterClasses { get; set; }

    public bool BannedPasswordCheck { get; set; }

    public int HistoryDepth { get; set; }

    public bool HistoryOnReset { get; set; }

    public int? ExpiryDays { get; set; }

    public int ExpiryWarningDays { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<CustomBannedTerm> CustomBannedTerms { get; set; } = [];
}

/// <summary>One of the organisation's banned terms, stored as typed (compared normalised).</summary>
public sealed class CustomBannedTerm
{
    public int Id { get; set; }

    public int PolicyId { get; set; }

    public string Term { get; set; } = string.Empty;
}

/// <summary>A hash of a password the user had before. Only hashes, never passwords.</summary>
public sealed class PasswordHistoryEntry
{
    public long Id { get; set; }

    public string UserId { get; set; } = string.Empty;

    public string PasswordHash { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PasswordPolicySettingsConfiguration : IEntityTypeConfiguration<PasswordPolicySettings>
{
    public void Configure(EntityTypeBuilder<PasswordPolicySettings> builder)
    {
        builder.ToTable("PasswordPolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.HasMany(p => p.CustomBannedTerms).WithOne().HasForeignKey(t => t.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CustomBannedTermConfiguration : IEntityTypeConfiguration<CustomBannedTerm>
{
    public void Configure(EntityTypeBuilder<CustomBannedTerm> builder)
    {
        builder.ToTable("PasswordCustomBannedTerms");
        builder.Property(t => t.Term).HasMaxLength(BannedTermIndex.MaximumTermLength).IsRequired();
    }
}

internal sealed class PasswordHistoryEntryConfiguration : IEntityTypeConfiguration<PasswordHistoryEntry>
{
    public void Configure(EntityTypeBuilder<PasswordHistoryEntry> builder)
    {
        builder.ToTable("PasswordHistory");
        builder.Property(h => h.UserId).HasMaxLength(450).IsRequired();
        builder.Property(h => h.PasswordHash).HasMaxLength(1000).IsRequired();
        builder.HasIndex(h => new { h.UserId, h.CreatedAt });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(h => h.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
