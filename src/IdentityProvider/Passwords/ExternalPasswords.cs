using IdentityProvider.Data;

namespace IdentityProvider.Passwords;

/// <summary>
/// Where the passwords of some users live outside this product (an on-premises directory, implemented by the
/// Directories module). The one password call (<see cref="ApplicationUserManager"/>) asks it about every user: a user it
/// holds is checked and set there, never against a local hash.
/// </summary>
public interface IExternalPasswordStore
{
    /// <summary>Whether the user's password lives outside this product.</summary>
    bool Holds(ApplicationUser user);

    /// <summary>Whether this product may set the held user's password there (writeback on).</summary>
    bool MayWrite(ApplicationUser user);

    /// <summary>Whether the password is the user's.</summary>
    /// <exception cref="Resilience.UpstreamUnavailableException">The store could not be reached.</exception>
    Task<bool> VerifyAsync(ApplicationUser user, string password, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the user's password there: as the user with <paramref name="currentPassword"/> (their own change), or as a
    /// reset without it.
    /// </summary>
    /// <exception cref="Resilience.UpstreamUnavailableException">The store could not be reached: nothing was written.</exception>
    Task<ExternalPasswordWrite> WriteAsync(ApplicationUser user, string newPassword, string? currentPassword, CancellationToken cancellationToken);
}

/// <summary>
/// Accounts that exist outside this product before they exist here: a user ID typed at sign-in or at the start of a
/// reset that matches no local account may name one, which is then imported (just-in-time).
/// </summary>
public interface IExternalAccountSource
{
    /// <summary>Whether any outside source is configured (when not, nothing is looked up).</summary>
    bool Any { get; }

    /// <summary>The local account made for the one outside account that <paramref name="userNameOrEmail"/> names, or null.</summary>
    /// <exception cref="Resilience.UpstreamUnavailableException">A source could not be asked.</exception>
    Task<ApplicationUser?> ImportAsync(string userNameOrEmail, CancellationToken cancellationToken);
}

/// <summary>How a password write ended outside this product.</summary>
public enum ExternalPasswordWriteStatus
{
    Written,

    /// <summary>The store's own policy refused the password (history, length, complexity, minimum age).</summary>
    Refused,

    /// <summary>The current password given for a change is not the store's.</summary>
    WrongCurrentPassword,
}

/// <summary>A password write's outcome, with a sentence for the user when the store refused it.</summary>
public sealed record ExternalPasswordWrite(ExternalPasswordWriteStatus Status, string? Message = null)
{
    public static ExternalPasswordWrite Written { get; } = new(ExternalPasswordWriteStatus.Written);

    /// <summary>The store holds the password and this product may not set it there (no writeback).</summary>
    public static ExternalPasswordWrite NotWritableHere { get; } = new(
        ExternalPasswordWriteStatus.Refused,
        "The password of this account is kept in your organisation's directory and can't be changed here. Ask your IT staff.");
}
