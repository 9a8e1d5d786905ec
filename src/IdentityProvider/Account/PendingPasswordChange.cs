namespace IdentityProvider.Account;

/// <summary>The half-way state between a right password and a session, while a password change is required.</summary>
public static class PendingPasswordChange
{
    public const string Scheme = "PendingPasswordChange";
    public const string RememberMeClaim = "remember_me";
    public const string ReasonClaim = "reason";

    /// <summary>The security stamp when the password was verified: any credential change since voids the pending change.</summary>
    public const string StampClaim = "stamp";
    public const string ReasonExpired = "expired";
    public const string ReasonRequired = "required";
}
