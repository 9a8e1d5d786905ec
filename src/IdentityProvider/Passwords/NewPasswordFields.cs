using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Passwords;

/// <summary>The input names of the shared new-password partial (<c>Passwords/_NewPassword.cshtml</c>).</summary>
public sealed record NewPasswordFields(string NewName, string ConfirmName)
{
    public string NewId => NewName.Replace('.', '_');

    public string ConfirmId => ConfirmName.Replace('.', '_');
}

/// <summary>A new password and its confirmation, as every page that sets one posts them (change, forced change, reset).</summary>
public class NewPasswordInput
{
    [Required(ErrorMessage = "Enter a new password.")]
    [PasswordLength]
    [DataType(DataType.Password)]
    public string NewPassword { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the new password again.")]
    [PasswordLength]
    [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords are not the same.")]
    [DataType(DataType.Password)]
    public string ConfirmPassword { get; set; } = string.Empty;
}
