using System.ComponentModel.DataAnnotations;
using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Users;

/// <summary>Create a user with a password the policy accepts, or a temporary one (shown once) to change at the first sign-in.</summary>
[Authorize(Policy = AdminPolicies.UsersPolicy)]
public sealed class NewModel(AdminActionGuard guard, CreateUserAction create, UserManager<ApplicationUser> users, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    [BindProperty]
    public NewUserInput Input { get; set; } = new();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var staff = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        var (_, user, temporary, errors) = await create.RunAsync(await guard.ActorAsync(staff),
            new CreateUserRequest(Input.UserName, Input.Email, Input.GivenName, Input.FamilyName, Input.Temporary ? null : Input.Password), HttpContext.RequestAborted);
        foreach (var (field, messages) in errors ?? [])
        {
            foreach (var message in messages)
            {
                ModelState.AddModelError("Input." + field, texts[message]);
            }
        }

        if (user is null)
        {
            Input.Password = null;
            return Page();
        }

        TempData["new-user-password"] = temporary;
        return Redirect($"/admin/users/{user.Id}?created=true");
    }
}

public sealed class NewUserInput
{
    [Required(ErrorMessage = "Enter a username.")]
    [StringLength(256, ErrorMessage = "At most 256 characters.")]
    [Display(Name = "Username")]
    public string UserName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter an email address.")]
    [StringLength(256, ErrorMessage = "At most 256 characters.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    [Display(Name = "Email")]
    public string Email { get; set; } = string.Empty;

    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    [Display(Name = "Given name")]
    public string? GivenName { get; set; }

    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    [Display(Name = "Family name")]
    public string? FamilyName { get; set; }

    /// <summary>Give a temporary password shown once (the default) rather than typing one.</summary>
    [Display(Name = "Give a temporary password they must change when they first sign in")]
    public bool Temporary { get; set; } = true;

    [Passwords.PasswordLength]
    [DataType(DataType.Password)]
    [Display(Name = "Password (when not temporary; still to be changed at the first sign-in)")]
    public string? Password { get; set; }
}
