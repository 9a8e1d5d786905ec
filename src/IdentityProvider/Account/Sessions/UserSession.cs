using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Account.Sessions;

/// <summary>
/// One sign-in of one browser, kept on the server. The session cookie carries only its id (the OpenID Connect
/// <c>sid</c>); every request with the cookie is checked against this row, so deleting the row ends the session at
/// its next request, on every node.
/// </summary>
public sealed class UserSession
{
    /// <summary>128 random bits, base64url: the <c>sid</c> claim of the cookie and of id_tokens.</summary>
    public string Id { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    /// <summary>When the browser signed in.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The last time the user really authenticated in this session (password or second factor): <c>auth_time</c>.</summary>
    public DateTimeOffset AuthenticatedAt { get; set; }

    /// <summary>The last time the user proved a second factor in this session (the admin step-up), if ever.</summary>
    public DateTimeOffset? SecondFactorAt { get; set; }

    /// <summary>The last request seen, to a resolution of about a minute (drives the idle timeout).</summary>
    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>The session ends at this time whatever happens (the absolute lifetime).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>"Keep me signed in": no idle timeout, and the cookie outlives the browser.</summary>
    public bool Persistent { get; set; }

    /// <summary>The authentication methods used in this session, as <c>amr</c> values separated by spaces (e.g. <c>pwd otp</c>).</summary>
    public string Methods { get; set; } = string.Empty;

    /// <summary>The browser's user agent at sign-in (at most 256 characters), to name the device on the account page.</summary>
    public string? UserAgent { get; set; }

    /// <summary>The client IP address at sign-in.</summary>
    public string? ClientIp { get; set; }

    public IReadOnlyList<string> MethodList => Methods.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// An authorization (and so the tokens) that a relying app received during a session: revoked when the session is
/// signed out, and the list of apps that took part in the session.
/// </summary>
public sealed class UserSessionAuthorization
{
    public string SessionId { get; set; } = string.Empty;

    public string AuthorizationId { get; set; } = string.Empty;

    public string ClientId { get; set; } = string.Empty;
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>, IEntityTypeConfiguration<UserSessionAuthorization>
{
    public void Configure(EntityTypeBuilder<UserSession> builder)
    {
        builder.ToTable("UserSessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.UserId).HasMaxLength(450).IsRequired();
        builder.Property(s => s.Methods).HasMaxLength(200).IsRequired();
        builder.Property(s => s.UserAgent).HasMaxLength(256);
        builder.Property(s => s.ClientIp).HasMaxLength(64);
        builder.Ignore(s => s.MethodList);
        builder.HasIndex(s => s.UserId);
        builder.HasIndex(s => s.ExpiresAt);
    }

    public void Configure(EntityTypeBuilder<UserSessionAuthorization> builder)
    {
        builder.ToTable("UserSessionAuthorizations");
        builder.HasKey(a => new { a.SessionId, a.AuthorizationId });
        builder.Property(a => a.SessionId).HasMaxLength(64);
        builder.Property(a => a.AuthorizationId).HasMaxLength(100);
        builder.Property(a => a.ClientId).HasMaxLength(200).IsRequired();
    }
}
