using System.Globalization;

namespace IdentityProvider.Localization;

/// <summary>
/// The languages every page, message and email is written in. English is the fallback: a text missing in another
/// language shows in English (and fails <c>LocalizationTests</c>). Regional forms (<c>fr-CA</c>, <c>de-AT</c>) format
/// numbers and dates their way and read the texts of their language.
/// </summary>
public static class Languages
{
    /// <summary>The default language, also the one texts are keyed by.</summary>
    public const string Default = "en";

    /// <summary>Two-letter codes of the languages with texts, in the order the picker lists them.</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "fr", "de", "es"];

    /// <summary>The cookie the language picker sets (the <c>CookieRequestCultureProvider</c> format, one year).</summary>
    public const string CookieName = "idp.language";

    /// <summary>Each supported language's name in itself, as the picker shows it.</summary>
    public static string NativeName(string language)
    {
        var culture = CultureInfo.GetCultureInfo(language);
        return culture.TextInfo.ToTitleCase(culture.NativeName);
    }

    /// <summary>The supported languages and every regional culture of them that .NET knows.</summary>
    internal static CultureInfo[] Cultures() =>
    [
        .. Supported.Select(CultureInfo.GetCultureInfo),
        .. CultureInfo.GetCultures(CultureTypes.SpecificCultures)
            .Where(c => Supported.Contains(c.TwoLetterISOLanguageName) && c.Name.Length > 0)
            .OrderBy(c => c.Name, StringComparer.Ordinal),
    ];

    /// <summary>The supported culture <paramref name="tag"/> names (exact or its language), or null.</summary>
    internal static string? Match(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > 35)
        {
            return null;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(tag.Trim(), predefinedOnly: true);
            return Supported.Contains(culture.TwoLetterISOLanguageName) ? culture.Name : null;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }
}
