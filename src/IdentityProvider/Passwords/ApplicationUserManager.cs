using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>
/// Identity's user manager, plus password history: whenever a stored password hash is replaced by a new password,
/// the old hash is kept (in the same save), and only the newest entries the policy can need are retained.
/// A rehash of the same password at sign-in is not a new password and is not recorded.
/// <para>Each password operation (checking, or validating and hashing a new one) holds a slot of the node's
/// <see cref="PasswordHashGate"/>. A save that loses an optimistic-concurrency race (another request changed the user
/// first) throws <see cref="DbUpdateConcurrencyException"/> rather than returning a failure that callers could overlook;
/// it is answered 409 "changed meanwhile, try again". The sign-in's rehash is the exception: losing that race is harmless.</para>
/// </summary>
public sealed class ApplicationUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger,
    ApplicationDbContext db,
    PasswordHashGate hashes,
    PasswordPolicy policy,
    IExternalPasswordStore external,
    TimeProvider time)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>Most history entries kept per user (the policy's depth can be at most this).</summary>
    public const int MaximumHistory = 24;

    /// <summary>The error code of a password the user's directory refused (its description says why, for the user).</summary>
    public const string DirectoryRefused = "DirectoryRefused";

    private static string? dummyHash;

    private bool rehashing;

    public override Task<IdentityResult> CreateAsync(ApplicationUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.PasswordChangedAt ??= time.GetUtcNow();
        return base.CreateAsync(user, password);
    }

    /// <summary>
    /// The one way a password is replaced, in the caller's unit of work and transaction: for a
    /// <see cref="PasswordSetting.Change"/> the current password is verified first; the new one is checked by the
    /// password policy with the rules of <paramref name="setting"/>, hashed, the old hash kept in the history, a new
    /// security stamp set and the "must change" state cleared. Ending sessions, notices and audit are the caller's.
    /// </summary>
    /// <param name="user">The user, tracked by this request's database context.</param>
    /// <param name="newPassword">The new password.</param>
    /// <param name="setting">Why the password is set.</param>
    /// <param name="currentPassword">The current password; required for <see cref="PasswordSetting.Change"/>, ignored otherwise.</param>
    /// <returns>Success, or the policy's failures (or <c>PasswordMismatch</c>); nothing is changed on failure.</returns>
    public async Task<IdentityResult> SetPasswordAsync(ApplicationUser user, string newPassword, PasswordSetting setting, string? currentPassword = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(newPassword);
        if (external.Holds(user))
        {
            return await SetExternalPasswordAsync(user, newPassword, setting, currentPassword);
        }

        if (setting == PasswordSetting.Change
            && (currentPassword is null || await VerifyPasswordAsync((IUserPasswordStore<ApplicationUser>)Store, user, currentPassword) == PasswordVerificationResult.Failed))
        {
            return IdentityResult.Failed(ErrorDescriber.PasswordMismatch());
        }

        // The policy's history check verifies old hashes, so it holds a slot of the hash gate with the new hash.
        var result = await hashes.RunAsync(async () =>
        {
            var check = await policy.CheckAsync(user, newPassword, await policy.HistoryAppliesAsync(setting, CancellationToken), CancellationToken);
            return check.Acceptable ? await base.UpdatePasswordHash(user, newPassword, validatePassword: false) : IdentityResult.Failed([.. check.Failures]);
        }, CancellationToken);
        if (!result.Succeeded)
        {
            return result;
        }

        (user.MustChangePassword, user.TemporaryPasswordExpiresAt) = (false, null);
        return await UpdateUserAsync(user);
    }

    /// <summary>
    /// Writeback: the password of a user held outside (an on-premises directory) is checked by the local policy first,
    /// then set there (as the user with the current password for a <see cref="PasswordSetting.Change"/>, as a reset
    /// otherwise), and only once the store accepted it is the local state changed (hash for the history, "must change"
    /// cleared). The store's refusal comes back as <see cref="DirectoryRefused"/>; a store that cannot be reached throws
    /// <see cref="Resilience.UpstreamUnavailableException"/> with nothing changed.
    /// </summary>
    private async Task<IdentityResult> SetExternalPasswordAsync(ApplicationUser user, string newPassword, PasswordSetting setting, string? currentPassword)
    {
        if (!external.MayWrite(user))
        {
            return IdentityResult.Failed(new IdentityError
            {
                Code = DirectoryRefused,
                Description = ExternalPasswordWrite.NotWritableHere.Message!,
            });
        }

        if (setting == PasswordSetting.Change && string.IsNullOrEmpty(currentPassword))
        {
            return IdentityResult.Failed(ErrorDescriber.PasswordMismatch());
        }

        var check = await hashes.RunAsync(
            async () => await policy.CheckAsync(user, newPassword, await policy.HistoryAppliesAsync(setting, CancellationToken), CancellationToken), CancellationToken);
        if (!check.Acceptable)
        {
            return IdentityResult.Failed([.. check.Failures]);
        }

        var write = await external.WriteAsync(user, newPassword, setting == PasswordSetting.Change ? currentPassword : null, CancellationToken);
        switch (write.Status)
        {
            case ExternalPasswordWriteStatus.WrongCurrentPassword:
                return IdentityResult.Failed(ErrorDescriber.PasswordMismatch());
            case ExternalPasswordWriteStatus.Refused:
                return IdentityResult.Failed(new IdentityError { Code = DirectoryRefused, Description = write.Message ?? "Your organisation's directory refused this password." });
        }

        var hashed = await UpdatePasswordHash(user, newPassword, validatePassword: false);
        if (!hashed.Succeeded)
        {
            return hashed;
        }

        (user.MustChangePassword, user.TemporaryPasswordExpiresAt) = (false, null);
        return await UpdateUserAsync(user);
    }

    /// <summary>Identity's change, through <see cref="SetPasswordAsync"/>.</summary>
    public override Task<IdentityResult> ChangePasswordAsync(ApplicationUser user, string currentPassword, string newPassword) =>
        SetPasswordAsync(user, newPassword, PasswordSetting.Change, currentPassword);

    /// <summary>Identity's token reset, through <see cref="SetPasswordAsync"/> once the token is verified.</summary>
    public override async Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await VerifyUserTokenAsync(user, Options.Tokens.PasswordResetTokenProvider, ResetPasswordTokenPurpose, token)
            ? await SetPasswordAsync(user, newPassword, PasswordSetting.Reset)
            : IdentityResult.Failed(ErrorDescriber.InvalidToken());
    }

    /// <summary>
    /// The password check: against the local hash, or, for a directory user, with a bind against the directory (after the
    /// same hashing work as a local check, so the time taken does not tell a directory account from another).
    /// </summary>
    /// <exception cref="Resilience.UpstreamUnavailableException">The outside store of the user's password could not be reached.</exception>
    public override async Task<bool> CheckPasswordAsync(ApplicationUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (external.Holds(user))
        {
            await hashes.RunAsync(() =>
            {
                dummyHash ??= PasswordHasher.HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N"));
                PasswordHasher.VerifyHashedPassword(user, dummyHash, password ?? string.Empty);
                return Task.FromResult(true);
            }, CancellationToken);
            return await external.VerifyAsync(user, password ?? string.Empty, CancellationToken);
        }

        rehashing = true;
        try
        {
            return await base.CheckPasswordAsync(user, password);
        }
        finally
        {
            rehashing = false;
        }
    }

    protected override Task<PasswordVerificationResult> VerifyPasswordAsync(IUserPasswordStore<ApplicationUser> store, ApplicationUser user, string password) =>
        hashes.RunAsync(() => base.VerifyPasswordAsync(store, user, password), CancellationToken);

    protected override Task<IdentityResult> UpdatePasswordHash(ApplicationUser user, string newPassword, bool validatePassword) =>
        hashes.RunAsync(() => base.UpdatePasswordHash(user, newPassword, validatePassword), CancellationToken);

    protected override async Task<IdentityResult> UpdateUserAsync(ApplicationUser user)
    {
        var result = await SaveUserAsync(user);
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            // Nothing was saved; leave no half-applied change in the unit of work for a later save to trip over.
            await db.Entry(user).ReloadAsync(CancellationToken);
            if (!rehashing)
            {
                throw new DbUpdateConcurrencyException("Another request changed this user first; nothing was saved.");
            }
        }

        return result;
    }

    private async Task<IdentityResult> SaveUserAsync(ApplicationUser user)
    {
        var entry = db.Entry(user);
        var hashChanged = !rehashing && entry.State != EntityState.Detached && entry.Property(u => u.PasswordHash).IsModified
            && entry.Property(u => u.PasswordHash).OriginalValue != user.PasswordHash;
        if (hashChanged)
        {
            user.PasswordChangedAt = time.GetUtcNow();
        }

        if (hashChanged && entry.Property(u => u.PasswordHash).OriginalValue is { Length: > 0 } previous)
        {
            db.Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = previous, CreatedAt = time.GetUtcNow() });
            var stale = await db.Set<PasswordHistoryEntry>()
                .Where(h => h.UserId == user.Id)
                .OrderByDescending(h => h.Id)
                .Skip(MaximumHistory - 1)
                .ToListAsync(CancellationToken);
            db.RemoveRange(stale);
        }

        return await base.UpdateUserAsync(user);
    }
}
