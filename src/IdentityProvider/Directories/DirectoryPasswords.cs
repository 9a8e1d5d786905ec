using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Directories;

/// <summary>
/// The passwords of directory users: checked with a bind as the user, set in the directory (writeback), each write
/// audited. Used by the one password call (<c>ApplicationUserManager</c>), so it does not depend on the user manager.
/// </summary>
public sealed partial class DirectoryPasswords(
    DirectoryRegistry registry,
    AuditLog audit,
    DeferredAudit deferred,
    ILogger<DirectoryPasswords> logger) : IExternalPasswordStore
{
    /// <summary>Whether the user's password lives in a directory (configured or not): it is never checked against a local hash.</summary>
    public bool Holds(ApplicationUser user) => user?.DirectoryName is not null;

    /// <summary>Whether the product may set this user's password: a local user, or a directory user whose directory has writeback on.</summary>
    public bool MayWrite(ApplicationUser user) => !Holds(user) || registry.Find(user.DirectoryName) is { Options.PasswordWriteback: true };

    /// <summary>Checks a directory user's password with a bind as the user.</summary>
    /// <exception cref="DirectoryUnavailableException">The directory could not be reached.</exception>
    public async Task<bool> VerifyAsync(ApplicationUser user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (registry.Find(user.DirectoryName) is not { } directory || user.DirectoryDn is null)
        {
            LogNoDirectory(logger, user.Id, user.DirectoryName);
            return false;
        }

        try
        {
            return await IsTheSamePersonAsync(directory, user, cancellationToken)
                && await directory.VerifyPasswordAsync(user.DirectoryDn, password, cancellationToken);
        }
        catch (DirectoryUnavailableException exception)
        {
            await AuditApartAsync(AuditEventTypes.DirectoryUnavailable, user.Id, directory.Name, exception.Reason, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Whether the entry at the user's DN is still the one that was imported (same <c>entryUUID</c> / <c>objectGUID</c>)
    /// and still selected by the filter. A user imported before the directory gave an identity is taken on their DN.
    /// </summary>
    /// <exception cref="DirectoryUnavailableException">The directory could not be reached.</exception>
    internal async Task<bool> IsTheSamePersonAsync(DirectoryConnector directory, ApplicationUser user, CancellationToken cancellationToken)
    {
        if (user.DirectoryObjectId is null)
        {
            return true;
        }

        var entry = await directory.ReadAsync(user.DirectoryDn!, cancellationToken);
        if (entry is not null && string.Equals(entry.ObjectId, user.DirectoryObjectId, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        LogAnotherPerson(logger, user.Id, directory.Name);
        return false;
    }

    /// <summary>Writes a directory user's new password into the directory (writeback), audited.</summary>
    /// <exception cref="DirectoryUnavailableException">The directory could not be reached: nothing was written.</exception>
    public async Task<ExternalPasswordWrite> WriteAsync(ApplicationUser user, string newPassword, string? currentPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (registry.Find(user.DirectoryName) is not { Options.PasswordWriteback: true } directory || user.DirectoryDn is null)
        {
            return ExternalPasswordWrite.NotWritableHere;
        }

        try
        {
            if (!await IsTheSamePersonAsync(directory, user, cancellationToken))
            {
                await AuditApartAsync(AuditEventTypes.DirectoryPasswordRefused, user.Id, directory.Name, "another-entry-at-the-dn", cancellationToken);
                return new ExternalPasswordWrite(ExternalPasswordWriteStatus.Refused, "This account is no longer in your organisation's directory. Ask your IT staff.");
            }

            var write = await directory.SetPasswordAsync(user.DirectoryDn, newPassword, currentPassword, cancellationToken);
            if (write.Status == ExternalPasswordWriteStatus.Written)
            {
                // In the caller's unit of work: saved with the change it records.
                audit.Add(AuditEventTypes.DirectoryPasswordWritten, user.Id, AuditLog.Success, method: directory.Name);
            }
            else
            {
                await AuditApartAsync(AuditEventTypes.DirectoryPasswordRefused, user.Id, directory.Name,
                    write.Status == ExternalPasswordWriteStatus.WrongCurrentPassword ? "wrong-current-password" : write.Message, cancellationToken);
            }

            return write;
        }
        catch (DirectoryUnavailableException exception) when (exception.InnerException is TimeoutException)
        {
            // The write went out and no answer came back: it may have been applied, so the person is not told "nothing
            // was changed".
            await AuditApartAsync(AuditEventTypes.DirectoryUnavailable, user.Id, directory.Name, "write-unanswered: " + exception.Reason, cancellationToken);
            throw new DirectoryUnavailableException(directory.Name, exception.Reason, exception, DirectoryUnavailableException.MayHaveChanged);
        }
        catch (DirectoryUnavailableException exception)
        {
            await AuditApartAsync(AuditEventTypes.DirectoryUnavailable, user.Id, directory.Name, exception.Reason, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// An audit event that outlives the caller's unit of work (<see cref="DeferredAudit"/>): for what happened in the
    /// directory, or failed there, while the caller's own changes are about to roll back.
    /// </summary>
    internal Task AuditApartAsync(string eventType, string userId, string directory, string? reason, CancellationToken cancellationToken, string outcome = AuditLog.Failure) =>
        deferred.AddAsync(eventType, userId, outcome, reason, directory, cancellationToken);

    [LoggerMessage(EventId = 9013, Level = LogLevel.Warning, Message = "User {UserId}: the entry at their DN in directory {Directory} is no longer theirs (another entryUUID/objectGUID, or gone): nothing is sent to it.")]
    private static partial void LogAnotherPerson(ILogger logger, string userId, string directory);

    [LoggerMessage(EventId = 9012, Level = LogLevel.Warning, Message = "User {UserId} belongs to directory {Directory}, which is not configured: the password can't be checked.")]
    private static partial void LogNoDirectory(ILogger logger, string userId, string? directory);
}
