using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace IdentityProvider.Localization;

/// <summary>
/// The language picker: every page's footer posts here; the choice is kept in the <see cref="Languages.CookieName"/>
/// cookie and the reader goes back to the page they were on (a local URL only, without any <c>ui_locales</c> that
/// would override the choice). Without a choice, or with one that is not offered, the page lists the languages.
/// </summary>
public sealed class LanguageModel : PageModel
{
    public string ReturnUrl { get; private set; } = "/";

    public bool NotOffered { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = Local(returnUrl);

    public IActionResult OnPost(string? culture, string? returnUrl)
    {
        ReturnUrl = Local(returnUrl);
        var language = Languages.Match(culture);
        if (language is null || !Languages.Supported.Contains(language))
        {
            NotOffered = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        LocalizationExtensions.WriteCookie(HttpContext, new RequestCulture(language));
        return LocalRedirect(ReturnUrl);
    }

    /// <summary>A local path and query, with <c>ui_locales</c> taken out of it and of a <c>ReturnUrl</c> inside it.</summary>
    internal string Local(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 4096 || !Url.IsLocalUrl(url))
        {
            return "/";
        }

        return WithoutUiLocales(url, depth: 0);
    }

    private static string WithoutUiLocales(string url, int depth)
    {
        var mark = url.IndexOf('?', StringComparison.Ordinal);
        if (mark < 0)
        {
            return url;
        }

        var query = QueryHelpers.ParseQuery(url[mark..]);
        var kept = new List<KeyValuePair<string, string?>>();
        foreach (var (key, values) in query)
        {
            if (string.Equals(key, UiLocalesRequestCultureProvider.Parameter, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var value in values)
            {
                var inner = depth == 0 && string.Equals(key, "ReturnUrl", StringComparison.OrdinalIgnoreCase) && value is not null && value.StartsWith('/')
                    ? WithoutUiLocales(value, depth + 1)
                    : value;
                kept.Add(new(key, inner));
            }
        }

        return QueryHelpers.AddQueryString(url[..mark], kept);
    }
}
