using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Passwords;

/// <summary>
/// One of the organisation's banned terms, stored as typed (compared normalised). Configuration lists them as text
/// (<c>Passwords:CustomBannedTerms:0</c>, …), hence the converter.
/// </summary>
[System.ComponentModel.TypeConverter(typeof(CustomBannedTermConverter))]
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

/// <summary>Reads a banned term from configuration text.</summary>
internal sealed class CustomBannedTermConverter : System.ComponentModel.TypeConverter
{
    public override bool CanConvertFrom(System.ComponentModel.ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(System.ComponentModel.ITypeDescriptorContext? context, System.Globalization.CultureInfo? culture, object value) =>
        value is string term ? new CustomBannedTerm { Term = term.Trim() } : base.ConvertFrom(context, culture, value);
}
