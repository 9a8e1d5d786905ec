using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Data;

internal sealed class ApplicationUserConfiguration : IEntityTypeConfiguration<ApplicationUser>
{
    public void Configure(EntityTypeBuilder<ApplicationUser> builder)
    {
        builder.Property(user => user.GivenName).HasMaxLength(100);
        builder.Property(user => user.FamilyName).HasMaxLength(100);
        builder.Property(user => user.IsEnabled).HasDefaultValue(true);
        builder.Ignore(user => user.DisplayName);
        builder.Property(user => user.AlternateEmail).HasMaxLength(256);
        builder.Property(user => user.MobilePhone).HasMaxLength(20);
        builder.Property(user => user.OfficePhone).HasMaxLength(20);
        builder.Property(user => user.AuthenticatorSecretProtected).HasMaxLength(1000);
        builder.Property(user => user.Locale).HasMaxLength(35);
        builder.Property(user => user.TimeZone).HasMaxLength(64);
        builder.Property(user => user.DirectoryName).HasMaxLength(32);
        builder.Property(user => user.DirectoryDn).HasMaxLength(1000);
        builder.Property(user => user.DirectoryObjectId).HasMaxLength(64);
        builder.HasIndex(user => user.DirectoryName);
    }
}
