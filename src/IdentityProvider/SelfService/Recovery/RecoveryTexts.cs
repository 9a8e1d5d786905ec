using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// The one mapping from what the account checks found (<see cref="EligibilityOutcome"/>), the situation codes stored
/// with help requests and audit events, and the verification methods to the words people read: the user on the
/// outcome and verify pages, staff in the help request email and list. Kept together so the wording, and later its
/// translations, is decided in one place. Each text is also the key of its translations in <see cref="SelfServiceText"/>:
/// the overloads that take the texts give it in the reader's language.
/// </summary>
public static class RecoveryTexts
{
    /// <summary>The situation of a journey whose account was eligible but whose verification did not succeed.</summary>
    public const string VerificationFailed = "verification-failed";

    /// <summary>The stable code of an outcome, for audit events and help requests.</summary>
    public static string Code(EligibilityOutcome outcome) => outcome switch
    {
        EligibilityOutcome.ManagedExternally => "managed-externally",
        EligibilityOutcome.NotEnabled => "not-enabled",
        EligibilityOutcome.NotEnoughMethods => "not-enough-methods",
        _ => "eligible",
    };

    /// <summary>Why a user asks for help: the outcome's code, or <see cref="VerificationFailed"/> for an eligible account.</summary>
    public static string Situation(EligibilityOutcome outcome) => outcome == EligibilityOutcome.Eligible ? VerificationFailed : Code(outcome);

    /// <summary>What staff read about a situation code in the help request list and details.</summary>
    public static string ForStaff(string situation) => situation switch
    {
        "managed-externally" => "Password managed in another directory",
        "not-enabled" => "Self-service not enabled for them",
        "not-enough-methods" => "Not enough recovery methods",
        _ => "Could not complete verification",
    };

    /// <summary>The same situation as a clause of the help request email ("self-service could not help them (…)").</summary>
    public static string ForStaffEmail(string situation) => situation switch
    {
        "managed-externally" => "the password is managed in another directory",
        "not-enabled" => "self-service reset is not enabled for them",
        "not-enough-methods" => "they have not registered enough recovery methods",
        _ => "they could not complete verification",
    };

    /// <summary>The outcome page's heading and text. With private outcomes one answer stands for every outcome.</summary>
    public static (string Title, string Text) ForUser(EligibilityOutcome outcome, bool privateOutcomes) => privateOutcomes
        ? ("We can't reset your password here", "Self-service password reset can't help with this account. Your administrator can reset your password or unlock your account for you.")
        : outcome switch
        {
            EligibilityOutcome.ManagedExternally => ("We can't reset your password here", "The password of this account is managed in another directory, so it can't be reset on this site. Contact your administrator: they can reset it where it is kept."),
            EligibilityOutcome.NotEnabled => ("Self-service reset is not enabled for you", "Your organisation has not turned on self-service password reset for your account. Contact your administrator to reset your password or unlock your account."),
            _ => ("We could not verify your account", "We can't check that it is you with the recovery methods on this account. Contact your administrator to reset your password or unlock your account."),
        };

    /// <summary>The choice of a method on the verify page.</summary>
    public static string MethodChoice(RecoveryMethod method) => method switch
    {
        RecoveryMethod.AlternateEmail => "Email me a code",
        RecoveryMethod.MobileText => "Text me a code",
        RecoveryMethod.MobileCall => "Call my mobile phone",
        RecoveryMethod.OfficeCall => "Call my office phone",
        RecoveryMethod.SecurityQuestions => "Answer my security questions",
        RecoveryMethod.Passkey => "Use a passkey",
        _ => "Enter a code from my authenticator app",
    };

    /// <summary>A method as administrators choose it on the self-service policy page.</summary>
    public static string PolicyChoice(RecoveryMethod method) => method switch
    {
        RecoveryMethod.AlternateEmail => "Email a code to the alternate email",
        RecoveryMethod.MobileText => "Text a code to the mobile phone",
        RecoveryMethod.MobileCall => "Call the mobile phone",
        RecoveryMethod.OfficeCall => "Call the office phone",
        RecoveryMethod.SecurityQuestions => "Security questions",
        RecoveryMethod.Passkey => "Passkey or security key",
        _ => "Authenticator app code",
    };

    /// <summary>Where the code for <paramref name="method"/> went, given its masked <paramref name="hint"/>, in the reader's language.</summary>
    public static string CodeSent(IStringLocalizer texts, RecoveryMethod method, string hint)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return method switch
        {
            RecoveryMethod.AlternateEmail => texts["We emailed a code to {0}.", hint],
            RecoveryMethod.MobileText => texts["We texted a code to {0}.", hint],
            _ => texts["We are calling {0}. Answer, and listen for the code.", hint],
        };
    }

    /// <summary><see cref="ForStaff(string)"/> in the reader's language.</summary>
    public static string ForStaff(IStringLocalizer texts, string situation) => Localized(texts, ForStaff(situation));

    /// <summary><see cref="ForStaffEmail(string)"/> in the reader's language.</summary>
    public static string ForStaffEmail(IStringLocalizer texts, string situation) => Localized(texts, ForStaffEmail(situation));

    /// <summary><see cref="ForUser(EligibilityOutcome, bool)"/> in the reader's language.</summary>
    public static (string Title, string Text) ForUser(IStringLocalizer texts, EligibilityOutcome outcome, bool privateOutcomes)
    {
        var (title, text) = ForUser(outcome, privateOutcomes);
        return (Localized(texts, title), Localized(texts, text));
    }

    /// <summary><see cref="MethodChoice(RecoveryMethod)"/> in the reader's language.</summary>
    public static string MethodChoice(IStringLocalizer texts, RecoveryMethod method) => Localized(texts, MethodChoice(method));

    /// <summary><see cref="PolicyChoice(RecoveryMethod)"/> in the reader's language.</summary>
    public static string PolicyChoice(IStringLocalizer texts, RecoveryMethod method) => Localized(texts, PolicyChoice(method));

    private static string Localized(IStringLocalizer texts, string english)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts[english];
    }
}
