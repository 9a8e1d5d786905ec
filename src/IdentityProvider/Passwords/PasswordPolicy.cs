using IdentityProvider.Data;
using IdentityProvider.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using IdentityProvider.Localization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>
/// The one password policy. Every path that sets a password calls it: <see cref="ApplicationUserManager.SetPasswordAsync"/>
/// for changes and resets, Identity's validation (<see cref="PasswordPolicyValidator"/>) for a new account; the strength
/// meter calls it too, so the meter and the server always agree.
/// </summary>
public sealed class PasswordPolicy(
    StoredPolicy<PasswordPolicySettings> store,
    ApplicationDbContext db,
    IPasswordHasher<ApplicationUser> hasher,
    IOptions<OrganizationOptions> organization,
    IStringLocalizer<SharedText> texts)
{
    public static class Codes
    {
        public const string TooShort = "PasswordTooShort";
        public const string TooLong = "PasswordTooLong";
        public const string CharacterClasses = "PasswordCharacterClasses";
        public const string PersonalInfo = "PasswordContainsPersonalInfo";
        public const string TooCommon = "PasswordTooCommon";
        public const string OrganisationTerm = "PasswordContainsBlockedWord";
        public const string Reused = "PasswordReused";
    }

    /// <summary>Checks a new password for <paramref name="user"/> (null when there is no account yet, e.g. the meter before sign-in).</summary>
    public async Task<PasswordCheck> CheckAsync(ApplicationUser? user, string password, bool checkHistory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        password = PasswordText.Normalize(password);
        var policy = await store.GetAsync(cancellationToken);
        var settings = policy;
        var failures = new List<IdentityError>();

        var length = PasswordLength.Of(password);
        if (length < settings.MinimumLength)
        {
            failures.Add(Error(Codes.TooShort, texts["Use at least {0} characters.", settings.MinimumLength]));
        }

        if (length > settings.MaximumLength)
        {
            failures.Add(Error(Codes.TooLong, texts["Use at most {0} characters.", settings.MaximumLength]));
            return new PasswordCheck(failures, Score: 0);
        }

        if (settings.RequireCharacterClasses && CharacterClasses(password) < 3)
        {
            failures.Add(Error(Codes.CharacterClasses, texts["Use at least three of these: lower-case letters, upper-case letters, digits and symbols."]));
        }

        var score = length;
        if (settings.BannedPasswordCheck)
        {
            var organisationName = organization.Value.Name;
            string?[] personal = [user?.GivenName, user?.FamilyName, user?.UserName, LocalPart(user?.Email), organisationName, organisationName.Replace(" ", string.Empty, StringComparison.Ordinal)];
            var banned = BannedPasswordChecker.Evaluate(password, personal, CommonPasswords.Index, policy.CustomTermIndex);
            score = banned.Score;
            if (banned.ContainsPersonalInfo)
            {
                failures.Add(Error(Codes.PersonalInfo, texts["Don't use your name, your username or the organisation's name in your password."]));
            }
            else if (!banned.Accepted)
            {
                if (banned.CustomTermsFound.Count > 0)
                {
                    failures.Add(Error(Codes.OrganisationTerm, texts["Your password contains a word that your organisation has blocked."]));
                }

                if (banned.GlobalTermsFound.Count > 0 || banned.CustomTermsFound.Count == 0)
                {
                    failures.Add(Error(Codes.TooCommon, texts["This password is too common or too easy to guess. Make it longer, or use words and characters that are not a common password."]));
                }
            }
        }

        if (checkHistory && user is not null && settings.HistoryDepth > 0 && await WasUsedBeforeAsync(user, password, settings.HistoryDepth, cancellationToken))
        {
            failures.Add(Error(Codes.Reused, texts["You have used this password recently. Choose one you have not used before."]));
        }

        return new PasswordCheck(failures, score);
    }

    /// <summary>Whether the history rule applies to a password set for <paramref name="setting"/>.</summary>
    public async Task<bool> HistoryAppliesAsync(PasswordSetting setting, CancellationToken cancellationToken = default)
    {
        var settings = await store.GetAsync(cancellationToken);
        return settings.HistoryDepth > 0 && (setting is PasswordSetting.Change or PasswordSetting.ForcedChange || settings.HistoryOnReset);
    }

    private async Task<bool> WasUsedBeforeAsync(ApplicationUser user, string password, int depth, CancellationToken cancellationToken)
    {
        var hashes = new List<string>();
        if (user.PasswordHash is not null)
        {
            hashes.Add(user.PasswordHash);
        }

        if (depth > 1 && !string.IsNullOrEmpty(user.Id))
        {
            hashes.AddRange(await db.Set<PasswordHistoryEntry>().AsNoTracking()
                .Where(h => h.UserId == user.Id)
                .OrderByDescending(h => h.Id)
                .Take(depth - 1)
                .Select(h => h.PasswordHash)
                .ToListAsync(cancellationToken));
        }

        return hashes.Any(hash => hasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed);
    }

    private static int CharacterClasses(string password) =>
        (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsUpper) ? 1 : 0) + (password.Any(char.IsDigit) ? 1 : 0)
        + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);

    private static string? LocalPart(string? email) => email?.Split('@')[0];

    private static IdentityError Error(string code, string description) => new() { Code = code, Description = description };
}

/// <summary>The outcome of a password check: each broken rule with its message, and the banned-check score.</summary>
public sealed record PasswordCheck(IReadOnlyList<IdentityError> Failures, int Score)
{
    public bool Acceptable => Failures.Count == 0;

    /// <summary>0 (not acceptable) to 4 (strong), for the strength meter.</summary>
    public int Strength => !Acceptable ? 0 : Score switch
    {
        < 8 => 1,
        < 12 => 2,
        < 16 => 3,
        _ => 4,
    };

    /// <summary>The meter's word for <see cref="Strength"/>, in the reader's language.</summary>
    public string StrengthLabel(IStringLocalizer texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Strength switch
        {
            0 => texts["Not acceptable"],
            1 => texts["Acceptable"],
            2 => texts["Good"],
            3 => texts["Strong"],
            _ => texts["Very strong"],
        };
    }
}
