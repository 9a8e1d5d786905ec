using IdentityProvider.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.Account;

/// <summary>
/// ASP.NET Core Identity's error messages in the reader's language (<see cref="SharedText"/>: the admin pages show
/// them too). The codes stay Identity's own, so code that tests them is unchanged.
/// </summary>
public sealed class LocalizedIdentityErrors(IStringLocalizer<SharedText> texts) : IdentityErrorDescriber
{
    /// <inheritdoc />
    public override IdentityError DefaultError() =>
        Error(base.DefaultError(), texts["Something went wrong. Try again."]);

    /// <inheritdoc />
    public override IdentityError ConcurrencyFailure() =>
        Error(base.ConcurrencyFailure(), texts["Someone else changed this account at the same time. Reload the page and try again."]);

    /// <inheritdoc />
    public override IdentityError PasswordMismatch() =>
        Error(base.PasswordMismatch(), texts["The password is not right."]);

    /// <inheritdoc />
    public override IdentityError InvalidToken() =>
        Error(base.InvalidToken(), texts["This link or code is not valid any more."]);

    /// <inheritdoc />
    public override IdentityError RecoveryCodeRedemptionFailed() =>
        Error(base.RecoveryCodeRedemptionFailed(), texts["That backup code is not right or was already used."]);

    /// <inheritdoc />
    public override IdentityError LoginAlreadyAssociated() =>
        Error(base.LoginAlreadyAssociated(), texts["This external sign-in already belongs to another account."]);

    /// <inheritdoc />
    public override IdentityError InvalidUserName(string? userName) =>
        Error(base.InvalidUserName(userName), texts["The username '{0}' is not valid: use letters, digits and - . _ @ + only.", userName ?? string.Empty]);

    /// <inheritdoc />
    public override IdentityError InvalidEmail(string? email) =>
        Error(base.InvalidEmail(email), texts["The email address '{0}' is not valid.", email ?? string.Empty]);

    /// <inheritdoc />
    public override IdentityError DuplicateUserName(string userName) =>
        Error(base.DuplicateUserName(userName), texts["The username '{0}' is already taken.", userName]);

    /// <inheritdoc />
    public override IdentityError DuplicateEmail(string email) =>
        Error(base.DuplicateEmail(email), texts["The email address '{0}' already belongs to another account.", email]);

    /// <inheritdoc />
    public override IdentityError InvalidRoleName(string? role) =>
        Error(base.InvalidRoleName(role), texts["The role name '{0}' is not valid.", role ?? string.Empty]);

    /// <inheritdoc />
    public override IdentityError DuplicateRoleName(string role) =>
        Error(base.DuplicateRoleName(role), texts["The role name '{0}' is already taken.", role]);

    /// <inheritdoc />
    public override IdentityError UserAlreadyHasPassword() =>
        Error(base.UserAlreadyHasPassword(), texts["This account already has a password."]);

    /// <inheritdoc />
    public override IdentityError UserLockoutNotEnabled() =>
        Error(base.UserLockoutNotEnabled(), texts["Lockout is not enabled for this account."]);

    /// <inheritdoc />
    public override IdentityError UserAlreadyInRole(string role) =>
        Error(base.UserAlreadyInRole(role), texts["The account already has the role '{0}'.", role]);

    /// <inheritdoc />
    public override IdentityError UserNotInRole(string role) =>
        Error(base.UserNotInRole(role), texts["The account does not have the role '{0}'.", role]);

    /// <inheritdoc />
    public override IdentityError PasswordTooShort(int length) =>
        Error(base.PasswordTooShort(length), texts["Use at least {0} characters.", length]);

    /// <inheritdoc />
    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) =>
        Error(base.PasswordRequiresUniqueChars(uniqueChars), texts["Use at least {0} different characters.", uniqueChars]);

    /// <inheritdoc />
    public override IdentityError PasswordRequiresNonAlphanumeric() =>
        Error(base.PasswordRequiresNonAlphanumeric(), texts["Use at least one symbol (a character that is not a letter or a digit)."]);

    /// <inheritdoc />
    public override IdentityError PasswordRequiresDigit() =>
        Error(base.PasswordRequiresDigit(), texts["Use at least one digit (0-9)."]);

    /// <inheritdoc />
    public override IdentityError PasswordRequiresLower() =>
        Error(base.PasswordRequiresLower(), texts["Use at least one lower-case letter (a-z)."]);

    /// <inheritdoc />
    public override IdentityError PasswordRequiresUpper() =>
        Error(base.PasswordRequiresUpper(), texts["Use at least one upper-case letter (A-Z)."]);

    /// <summary>Identity's error with its code kept and the description in the reader's language.</summary>
    private static IdentityError Error(IdentityError original, string description) => new() { Code = original.Code, Description = description };
}
