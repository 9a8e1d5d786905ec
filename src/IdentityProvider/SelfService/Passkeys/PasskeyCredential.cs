using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// A passkey or security key a user registered (a WebAuthn public-key credential): only the public key is kept, with
/// the signature counter, the name the user gave it and when it was registered and last used.
/// </summary>
public sealed class PasskeyCredential
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string UserId { get; set; } = string.Empty;

    /// <summary>The credential id the authenticator chose (at most 1023 bytes, WebAuthn Level 3 §5.1).</summary>
    public byte[] CredentialId { get; set; } = [];

    /// <summary>The COSE-encoded public key.</summary>
    public byte[] PublicKey { get; set; } = [];

    /// <summary>The user handle given at registration (the user id, UTF-8).</summary>
    public byte[] UserHandle { get; set; } = [];

    /// <summary>The authenticator's signature counter at the last use (0 for authenticators that do not count).</summary>
    public long SignCount { get; set; }

    /// <summary>The name the user gave it (at most 100 characters), e.g. "Work laptop".</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Transports the authenticator reported (usb, nfc, ble, internal, hybrid), separated by spaces.</summary>
    public string Transports { get; set; } = string.Empty;

    /// <summary>The authenticator model (AAGUID), when it told.</summary>
    public Guid Aaguid { get; set; }

    /// <summary>The credential may be synced to other devices (the BE flag): a synced passkey (<c>swk</c>) rather than a device-bound key (<c>hwk</c>).</summary>
    public bool BackupEligible { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}

internal sealed class PasskeyCredentialConfiguration : IEntityTypeConfiguration<PasskeyCredential>
{
    public void Configure(EntityTypeBuilder<PasskeyCredential> builder)
    {
        builder.ToTable("PasskeyCredentials");
        builder.Property(p => p.UserId).HasMaxLength(450).IsRequired();
        builder.Property(p => p.CredentialId).HasMaxLength(1023).IsRequired();
        builder.Property(p => p.PublicKey).HasMaxLength(2048).IsRequired();
        builder.Property(p => p.UserHandle).HasMaxLength(128).IsRequired();
        builder.Property(p => p.Name).HasMaxLength(100).IsRequired();
        builder.Property(p => p.Transports).HasMaxLength(100).IsRequired();
        builder.HasIndex(p => p.CredentialId).IsUnique();
        builder.HasIndex(p => p.UserId);
    }
}
