using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Oidc;

/// <summary>
/// When a key from a key folder was first published (by whichever node saw it first), and when it first signed (or
/// encrypted) and left the folder. The private keys stay in the files; this row only makes every node, and every restart,
/// agree on which key is old enough to sign (<see cref="TokenKeyRing"/>).
/// </summary>
internal sealed class TokenKeyPublication
{
    public const string Signing = "sig";
    public const string Encryption = "enc";

    /// <summary>The key's JWK thumbprint (RFC 7638, base64url), as published in the key set's <c>kid</c>.</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary><see cref="Signing"/> or <see cref="Encryption"/> (the JWK <c>use</c> values).</summary>
    public string Use { get; set; } = string.Empty;

    public DateTimeOffset PublishedAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}

internal sealed class TokenKeyPublicationConfiguration : IEntityTypeConfiguration<TokenKeyPublication>
{
    public void Configure(EntityTypeBuilder<TokenKeyPublication> builder)
    {
        builder.ToTable("TokenKeyPublications");
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasMaxLength(100);
        builder.Property(k => k.Use).HasMaxLength(3).IsRequired();
    }
}
