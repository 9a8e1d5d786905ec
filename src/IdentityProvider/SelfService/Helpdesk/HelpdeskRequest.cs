using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.Helpdesk;

public enum HelpdeskRequestStatus
{
    Open,
    Assigned,
    Resolved,
}

/// <summary>A user's "contact an administrator" request, raised from the self-service pages.</summary>
public sealed class HelpdeskRequest
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string UserId { get; set; } = string.Empty;

    public string UserName { get; set; } = string.Empty;

    /// <summary>Why self-service could not help, e.g. <c>not-enabled</c>.</summary>
    public string Situation { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public HelpdeskRequestStatus Status { get; set; }

    public string? AssignedToUserId { get; set; }

    public string? AssignedToUserName { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>What the helpdesk did, in their words.</summary>
    public string? Resolution { get; set; }

    /// <summary>Guards against two people changing the request at once.</summary>
    public int Version { get; set; }
}

internal sealed class HelpdeskRequestConfiguration : IEntityTypeConfiguration<HelpdeskRequest>
{
    public void Configure(EntityTypeBuilder<HelpdeskRequest> builder)
    {
        builder.ToTable("HelpdeskRequests");
        builder.Property(r => r.UserId).HasMaxLength(450).IsRequired();
        builder.Property(r => r.UserName).HasMaxLength(256).IsRequired();
        builder.Property(r => r.Situation).HasMaxLength(40).IsRequired();
        builder.Property(r => r.AssignedToUserId).HasMaxLength(450);
        builder.Property(r => r.AssignedToUserName).HasMaxLength(256);
        builder.Property(r => r.Resolution).HasMaxLength(500);
        builder.Property(r => r.Version).IsConcurrencyToken();
        builder.HasIndex(r => new { r.Status, r.CreatedAt });
    }
}
