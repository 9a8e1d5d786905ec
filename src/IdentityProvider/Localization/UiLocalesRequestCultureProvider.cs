using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.WebUtilities;

namespace IdentityProvider.Localization;

/// <summary>
/// The language an application asked for with OpenID Connect's <c>ui_locales</c> (Core 1.0 §3.1.2.1: space-separated
/// BCP 47 tags, in order of preference). Read from the request's query, or from the query of the local
/// <c>ReturnUrl</c> that carries the authorization request through sign-in. The first supported tag wins.
/// </summary>
internal sealed class UiLocalesRequestCultureProvider : RequestCultureProvider
{
    public const string Parameter = "ui_locales";

    public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var query = httpContext.Request.Query;
        var value = query[Parameter].ToString();
        if (value.Length == 0)
        {
            var returnUrl = query["ReturnUrl"].ToString();
            var mark = returnUrl.IndexOf('?', StringComparison.Ordinal);
            if (returnUrl.StartsWith('/') && mark > 0)
            {
                value = QueryHelpers.ParseNullableQuery(returnUrl[mark..])?.GetValueOrDefault(Parameter).ToString() ?? string.Empty;
            }
        }

        foreach (var tag in value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(10))
        {
            if (Languages.Match(tag) is { } culture)
            {
                return Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(culture));
            }
        }

        return NullProviderCultureResult;
    }
}
