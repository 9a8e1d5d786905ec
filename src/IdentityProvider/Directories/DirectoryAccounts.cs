using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Directories;

/// <summary>The configured directories, one <see cref="DirectoryConnector"/> (and circuit breaker) each, for the node's lifetime.</summary>
public sealed class DirectoryRegistry
{
    private readonly Dictionary<string, DirectoryConnector> byName;

    public DirectoryRegistry(IOptions<DirectoriesOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<DirectoryConnector>();
        All = [.. options.Value.Connections.Select(d => new DirectoryConnector(d, logger))];
        byName = All.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every directory, in the configured order.</summary>
    public IReadOnlyList<DirectoryConnector> All { get; }

    /// <summary>The directory of that name, or null when none is configured under it (any more).</summary>
    public DirectoryConnector? Find(string? name) => name is not null && byName.TryGetValue(name, out var connector) ? connector : null;
}

/// <summary>
/// What the rest of the product asks about directory users: whose password lives where, the import of a user who signs
/// in for the first time (just-in-time), the password check (a bind), writeback and unlock, and copying a directory
/// entry onto the local user (contact data and directory groups).
/// </summary>
public sealed partial class DirectoryAccounts(
    DirectoryRegistry registry,
    ApplicationDbContext db,
    UserManager<ApplicationUser> users,
    DirectoryPasswords passwords,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time,
    ILogger<DirectoryAccounts> logger) : IExternalAccountSource
{
    /// <summary>Whether any directory is configured.</summary>
    public bool Any => registry.All.Count > 0;

    /// <summary>The directory that manages the user, or null for a local user (or one whose directory is no longer configured).</summary>
    public DirectoryConnector? HomeOf(ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return registry.Find(user.DirectoryName);
    }

    /// <summary>
    /// A user ID (or email) unknown here: looks it up in each directory in turn and imports the one user it names. Null
    /// when no directory has exactly one such user, or the name is taken here by a local account.
    /// </summary>
    /// <exception cref="DirectoryUnavailableException">A directory could not be asked.</exception>
    public async Task<ApplicationUser?> ImportAsync(string userNameOrEmail, CancellationToken cancellationToken = default)
    {
        foreach (var directory in registry.All)
        {
            if (await directory.FindAsync(userNameOrEmail, cancellationToken) is { } entry)
            {
                return await ImportAsync(directory, entry, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// Creates the local user for a directory entry (no local password). Null when the entry's user ID or email is any
    /// account's user ID or email here: sign-in finds accounts by either, so an entry must not shadow one through the other.
    /// </summary>
    public async Task<ApplicationUser?> ImportAsync(DirectoryConnector directory, DirectoryUser entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(entry);
        if (await TakenAsync(entry.UserName, except: null) || (Email(entry.Email) is { } email && await TakenAsync(email, except: null)))
        {
            LogNameTaken(logger, directory.Name, entry.UserName);
            return null;
        }

        var user = new ApplicationUser
        {
            UserName = entry.UserName,
            DirectoryName = directory.Name,
            DirectoryDn = entry.Dn,
            DirectoryObjectId = entry.ObjectId,
            CreatedAt = time.GetUtcNow(),
        };
        await ApplyAsync(user, entry);
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            LogImportFailed(logger, directory.Name, entry.UserName, string.Join(", ", created.Errors.Select(e => e.Code)));
            return null;
        }

        await SyncGroupsAsync(directory.Name, user.Id, entry.Groups, cancellationToken);
        audit.Add(AuditEventTypes.DirectoryUserImported, user.Id, AuditLog.Success, entry.Dn, method: directory.Name);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Copies a directory entry onto its local user (tracked; the caller saves). Returns the names of what changed.</summary>
    public async Task<List<string>> UpdateAsync(DirectoryConnector directory, ApplicationUser user, DirectoryUser entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(entry);
        if (user.DirectoryObjectId is { } known && entry.ObjectId is { } current && !string.Equals(known, current, StringComparison.OrdinalIgnoreCase))
        {
            // Another person now holds this DN or user ID: nothing of theirs is copied onto this account.
            return [];
        }

        // The addresses the user had before this change: a notice about it must reach them, not only a new address
        // the same change may have set.
        string?[] notify = [user.Email, user.AlternateEmail];
        var changed = await ApplyAsync(user, entry);
        if (!string.Equals(user.UserName, entry.UserName, StringComparison.Ordinal) && !await TakenAsync(entry.UserName, except: user.Id))
        {
            user.UserName = entry.UserName;
            user.NormalizedUserName = users.NormalizeName(entry.UserName);
            changed.Add("userName");
        }

        if (await SyncGroupsAsync(directory.Name, user.Id, entry.Groups, cancellationToken))
        {
            changed.Add("groups");
        }

        if (changed.Count > 0)
        {
            audit.Add(AuditEventTypes.DirectoryUserUpdated, user.Id, AuditLog.Success, string.Join(',', changed), method: directory.Name);
        }

        // A recovery method that changed is said to the user, as when they change it themselves: a number set in the
        // directory by someone holding their directory password is a new way to reset theirs.
        var phones = changed.Where(c => c is "mobilePhone" or "officePhone").ToList();
        if (phones.Count > 0)
        {
            const string what = "changed in your organisation's directory";
            var names = string.Join(" and ", phones.Select(c => c == "mobilePhone" ? "mobile phone" : "office phone"));
            var notice = templates.SecurityInfoChanged(user.UserName ?? user.Id, names, what, time.GetUtcNow(), user);
            foreach (var address in notify.Append(user.Email).Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                outbox.Email(address!, notice, "security-info-changed");
            }

            audit.Add(AuditEventTypes.SecurityInfoChanged, user.Id, AuditLog.Success, what, method: string.Join(',', phones));
        }

        if (entry.ObjectId is not null && user.DirectoryObjectId is null)
        {
            user.DirectoryObjectId = entry.ObjectId;
        }

        return changed;
    }

    /// <summary>
    /// Whether the user's directory has locked their account (ppolicy's <c>pwdAccountLockedTime</c>, AD's
    /// <c>lockoutTime</c>): null for a local user, or when the directory can't be asked.
    /// </summary>
    public async Task<bool?> IsLockedInDirectoryAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (HomeOf(user) is not { } directory || user.DirectoryDn is null)
        {
            return null;
        }

        try
        {
            return (await directory.ReadAsync(user.DirectoryDn, cancellationToken))?.Locked;
        }
        catch (DirectoryUnavailableException)
        {
            return null;
        }
    }

    /// <summary>
    /// Clears the directory's lockout of the user when their directory allows unlock (<see cref="DirectoryOptions.AllowUnlock"/>).
    /// True when an unlock was written; false for a local user, a directory that does not allow it, or an account the directory had not locked.
    /// </summary>
    /// <exception cref="DirectoryUnavailableException">The directory could not be reached: nothing was written.</exception>
    /// <param name="user">The user.</param>
    /// <param name="byAdministrator">
    /// An administrator unlocks (also a lock an administrator set in the directory, ppolicy's <c>000001010000Z</c>);
    /// otherwise the user themself, who never lifts such a lock.
    /// </param>
    /// <param name="cancellationToken">Cancels the unlock.</param>
    public async Task<bool> UnlockAsync(ApplicationUser user, bool byAdministrator = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (HomeOf(user) is not { Options.AllowUnlock: true } directory || user.DirectoryDn is null)
        {
            return false;
        }

        try
        {
            if (!await passwords.IsTheSamePersonAsync(directory, user, cancellationToken))
            {
                return false;
            }

            var unlocked = await directory.UnlockAsync(user.DirectoryDn, byAdministrator, cancellationToken);
            if (unlocked)
            {
                // Apart: the unlock happened in the directory even if the caller's step goes on to fail and roll back.
                await passwords.AuditApartAsync(AuditEventTypes.DirectoryUnlocked, user.Id, directory.Name, user.DirectoryDn, cancellationToken, AuditLog.Success);
            }

            return unlocked;
        }
        catch (DirectoryUnavailableException exception)
        {
            await passwords.AuditApartAsync(AuditEventTypes.DirectoryUnavailable, user.Id, directory.Name, exception.Reason, cancellationToken);
            throw;
        }
    }

    /// <summary>Whether another account (not <paramref name="except"/>) has this user ID or email, as either.</summary>
    private async Task<bool> TakenAsync(string nameOrEmail, string? except) =>
        (await users.FindByNameAsync(nameOrEmail) is { } byName && byName.Id != except)
        || (await users.FindByEmailAsync(nameOrEmail) is { } byEmail && byEmail.Id != except);

    /// <summary>
    /// The directory's contact data and names onto the user; a value the directory does not hold leaves the local one,
    /// and an email another account has (as email or user ID) is not taken.
    /// </summary>
    private async Task<List<string>> ApplyAsync(ApplicationUser user, DirectoryUser entry)
    {
        var changed = new List<string>();
        var now = time.GetUtcNow();
        if (Email(entry.Email) is { } email && !string.Equals(user.Email, email, StringComparison.OrdinalIgnoreCase)
            && !await TakenAsync(email, except: user.Id))
        {
            user.Email = email;
            user.NormalizedEmail = users.NormalizeEmail(email);
            user.EmailConfirmed = true;
            changed.Add("email");
        }

        if (Text(entry.GivenName, 100) is { } given && given != user.GivenName)
        {
            user.GivenName = given;
            changed.Add("givenName");
        }

        if (Text(entry.Surname, 100) is { } family && family != user.FamilyName)
        {
            user.FamilyName = family;
            changed.Add("familyName");
        }

        if (PhoneNumberFormat.ToE164(entry.MobilePhone) is { } mobile && mobile != user.MobilePhone)
        {
            user.MobilePhone = mobile;
            user.MobilePhoneRegisteredAt = now;
            changed.Add("mobilePhone");
        }

        if (PhoneNumberFormat.ToE164(entry.OfficePhone) is { } office && office != user.OfficePhone)
        {
            user.OfficePhone = office;
            changed.Add("officePhone");
        }

        if (!string.Equals(user.DirectoryDn, entry.Dn, StringComparison.Ordinal))
        {
            user.DirectoryDn = entry.Dn;
            changed.Add("dn");
        }

        return changed;
    }

    /// <summary>
    /// Makes the user's memberships of this directory's groups those the directory lists, creating a group the first time
    /// it is seen. A group of the same name that administrators made here is left alone. True when anything changed.
    /// </summary>
    private async Task<bool> SyncGroupsAsync(string directory, string userId, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var wanted = names.Where(n => n.Length is > 0 and <= 200).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var groups = await db.Set<Group>().Where(g => g.DirectoryName == directory || wanted.Contains(g.Name)).ToListAsync(cancellationToken);

        // Groups made earlier in this unit of work (another user of the same sync round) are not in the database yet.
        groups.AddRange(db.ChangeTracker.Entries<Group>().Where(e => e.State == EntityState.Added).Select(e => e.Entity)
            .Where(g => !groups.Contains(g) && (g.DirectoryName == directory || wanted.Contains(g.Name))));
        var changed = false;
        foreach (var name in wanted.Where(n => !groups.Any(g => string.Equals(g.Name, n, StringComparison.OrdinalIgnoreCase))))
        {
            var group = new Group { Name = name, DirectoryName = directory };
            db.Add(group);
            groups.Add(group);
        }

        var managed = groups.Where(g => g.DirectoryName == directory).ToList();
        var managedIds = managed.Select(g => g.Id).ToList();
        var current = await db.Set<GroupMembership>().Where(m => m.UserId == userId && managedIds.Contains(m.GroupId)).ToListAsync(cancellationToken);
        foreach (var membership in current.Where(m => !wanted.Contains(managed.First(g => g.Id == m.GroupId).Name)))
        {
            db.Remove(membership);
            changed = true;
        }

        foreach (var group in managed.Where(g => wanted.Contains(g.Name) && current.All(m => m.GroupId != g.Id)))
        {
            db.Add(new GroupMembership { GroupId = group.Id, UserId = userId });
            changed = true;
        }

        return changed;
    }

    private static string? Email(string? value) =>
        Text(value, 256) is { } email && email.Contains('@', StringComparison.Ordinal) ? email : null;

    private static string? Text(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim() is { } trimmed && trimmed.Length <= max ? trimmed : null;

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Directory {Directory}: user {UserName} not imported: the user ID or email is taken by another account here.")]
    private static partial void LogNameTaken(ILogger logger, string directory, string userName);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Warning, Message = "Directory {Directory}: user {UserName} not imported: {Errors}.")]
    private static partial void LogImportFailed(ILogger logger, string directory, string userName, string errors);

}
