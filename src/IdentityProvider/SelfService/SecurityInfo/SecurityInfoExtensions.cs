using IdentityProvider.Localization;

namespace IdentityProvider.SelfService.SecurityInfo;

internal static class SecurityInfoExtensions
{
    /// <summary>Security info's models read their display names and validation messages from <see cref="SecurityInfoText"/>.</summary>
    public static IServiceCollection AddSecurityInfoTexts(this IServiceCollection services) => services.AddTexts<SecurityInfoText>();
}

/// <summary>Dates on security-info pages.</summary>
internal static class SecurityInfoDates
{
    /// <summary>When a method was registered or last used, in the reader's zone and culture (empty when unknown).</summary>
    public static string Date(this LocalTimes times, DateTimeOffset? when) =>
        when is { } value ? times.Format(value, TimeFormat.Date) : string.Empty;
}
