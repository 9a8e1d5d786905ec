using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>One of a user's one-time backup codes: only its keyed hash is kept, and when it was used.</summary>
public sealed class BackupCode
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string UserId { get; set; } = string.Empty;

    /// <summary>HMAC-SHA-256 of the user id and the code under a server secret, hex.</summary>
    public string CodeHash { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the code was spent (a code works once).</summary>
    public DateTimeOffset? UsedAt { get; set; }
}

internal sealed class BackupCodeConfiguration : IEntityTypeConfiguration<BackupCode>
{
    public void Configure(EntityTypeBuilder<BackupCode> builder)
    {
        builder.ToTable("BackupCodes");
        builder.Property(c => c.UserId).HasMaxLength(450).IsRequired();
        builder.Property(c => c.CodeHash).HasMaxLength(64).IsRequired();
        builder.HasIndex(c => c.UserId);
    }
}
