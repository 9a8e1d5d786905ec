using IdentityProvider.Data;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>
/// The one maximum password length, <see cref="PasswordPolicySettings.MaximumLength"/> of the policy in force, counted
/// one way (user-perceived characters, as the policy counts them) on every field where a password is typed: sign-in,
/// re-authentication, the admin step-up, the current password of a change, every new password (change, reset, forced
/// change) and an administrator's password for a new account. A password the policy would refuse to set is refused
/// before any hashing, so no path accepts what another would refuse.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PasswordLengthAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (value is not string password)
        {
            return ValidationResult.Success;
        }

        var maximum = PasswordLength.Maximum(validationContext);
        return PasswordLength.Of(password) <= maximum
            ? ValidationResult.Success
            : new ValidationResult(Texts(validationContext)["Passwords have at most {0} characters.", maximum.ToString("N0", CultureInfo.CurrentCulture)],
                validationContext.MemberName is { } member ? [member] : null);
    }

    private static IStringLocalizer Texts(ValidationContext services) =>
        services.GetService(typeof(IStringLocalizer<SharedText>)) as IStringLocalizer ?? NoTexts.Instance;

    /// <summary>Outside the app (no localisation registered): the English key itself.</summary>
    private sealed class NoTexts : IStringLocalizer
    {
        public static readonly NoTexts Instance = new();

        public LocalizedString this[string name] => new(name, name, resourceNotFound: true);

        public LocalizedString this[string name, params object[] arguments] =>
            new(name, string.Format(CultureInfo.CurrentCulture, name, arguments), resourceNotFound: true);

        public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => [];
    }
}

internal static class PasswordLength
{
    /// <summary>Characters as a person counts them (grapheme clusters): what the policy's limits mean.</summary>
    public static int Of(string password) => new StringInfo(password).LengthInTextElements;

    /// <summary>The policy's maximum: the stored policy (cached, see <see cref="WarmUp"/>), else the configured one.</summary>
    public static int Maximum(IServiceProvider services) =>
        services.GetService(typeof(IMemoryCache)) is IMemoryCache cache && StoredPolicy.Cached<PasswordPolicySettings>(cache) is { } policy
            ? policy.MaximumLength
            : (services.GetService(typeof(IOptions<PasswordPolicySettings>)) as IOptions<PasswordPolicySettings>)?.Value.MaximumLength
                ?? new PasswordPolicySettings().MaximumLength;

    /// <summary>
    /// Loads the stored policy (usually from its 30-second cache) before a page's form is bound, so that
    /// <see cref="PasswordLengthAttribute"/>, which validates synchronously, reads the policy in force.
    /// </summary>
    internal sealed class WarmUp(StoredPolicy<PasswordPolicySettings> store) : IAsyncPageFilter
    {
        public async Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context)
        {
            if (!HttpMethods.IsGet(context.HttpContext.Request.Method))
            {
                await store.GetAsync(context.HttpContext.RequestAborted);
            }
        }

        public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next) => next();
    }
}
