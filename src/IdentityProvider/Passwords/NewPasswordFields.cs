namespace IdentityProvider.Passwords;

/// <summary>The input names of the shared new-password partial (<c>Shared/_NewPassword.cshtml</c>).</summary>
public sealed record NewPasswordFields(string NewName, string ConfirmName)
{
    public string NewId => NewName.Replace('.', '_');

    public string ConfirmId => ConfirmName.Replace('.', '_');
}
