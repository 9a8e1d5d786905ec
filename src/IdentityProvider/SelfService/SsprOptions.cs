using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.SelfService;

/// <summary>Who may reset their own password and how. Section <c>SelfService</c>; seeds the stored SSPR policy once.</summary>
public sealed class SsprOptions
{
    public const string SectionName = "SelfService";

    /// <summary><c>None</c>, <c>Selected</c> (members of <see cref="Groups"/>, nested groups included) or <c>All</c>. Default <c>None</c>.</summary>
    public SsprScope Scope { get; set; } = SsprScope.None;

    /// <summary>Names of the groups enabled when <see cref="Scope"/> is <c>Selected</c> (resolved when the policy is first stored).</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>The verification methods users may use. Default: alternate email, mobile text and authenticator app.</summary>
    public List<RecoveryMethod> Methods { get; set; } = [RecoveryMethod.AlternateEmail, RecoveryMethod.MobileText, RecoveryMethod.AuthenticatorApp];

    /// <summary>How many different methods a reset needs (1 or 2). Administrators always need 2. Default 1.</summary>
    [Range(1, 2)]
    public int MethodsRequired { get; set; } = 1;

    /// <summary>Security questions a user registers (3–5). Default 3.</summary>
    [Range(3, 5)]
    public int QuestionsToRegister { get; set; } = 3;

    /// <summary>Security questions asked at a reset (3–5, at most the registered number). Default 3.</summary>
    [Range(3, 5)]
    public int QuestionsToReset { get; set; } = 3;

    /// <summary>Let users unlock their account without resetting the password. Default on.</summary>
    public bool AllowUnlockWithoutReset { get; set; } = true;

    /// <summary>Show one generic page for "managed elsewhere", "not enabled" and "not enough methods". Default off.</summary>
    public bool PrivateOutcomes { get; set; }
}

public enum SsprScope
{
    None,
    Selected,
    All,
}

/// <summary>Ways to prove who you are during a reset.</summary>
public enum RecoveryMethod
{
    AlternateEmail,
    MobileText,
    MobileCall,
    OfficeCall,
    SecurityQuestions,
    AuthenticatorApp,
}
