namespace IdentityProvider.Passwords;

/// <summary>Why a password is being set. The policy's history rule depends on it (<see cref="PasswordPolicySettings.HistoryOnReset"/>).</summary>
public enum PasswordSetting
{
    /// <summary>The user proves the current password with the change (account page, hosted page, app-initiated action). History always applies.</summary>
    Change,

    /// <summary>The user proved the current password at sign-in and must choose a new one (temporary or expired). History always applies, so an expired password cannot be set again.</summary>
    ForcedChange,

    /// <summary>The user proved who they are another way and does not know the password (self-service reset). History applies when <see cref="PasswordPolicySettings.HistoryOnReset"/> is on.</summary>
    Reset,

    /// <summary>An administrator sets a temporary password. History applies when <see cref="PasswordPolicySettings.HistoryOnReset"/> is on.</summary>
    Temporary,
}
