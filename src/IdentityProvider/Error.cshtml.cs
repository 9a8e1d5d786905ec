using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Localization;
using IdentityProvider.Resilience;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider;

/// <summary>
/// One error page for unhandled errors, status codes and OpenID Connect errors shown to the user. It has no handler
/// methods, so it renders for whatever method the failed request used.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel(IStringLocalizer<SharedText> texts) : PageModel
{
    public string Heading { get; private set; } = string.Empty;

    public string Message { get; private set; } = string.Empty;

    public string? ProtocolError { get; private set; }

    public string? RequestId { get; private set; }

    [NonHandler]
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Describe(int.TryParse(Request.Query["status"], NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : null);
    }

    private void Describe(int? status)
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        Heading = texts["Something went wrong"];
        Message = texts["The server could not complete your request. Please try again."];
        var oidc = HttpContext.GetOpenIddictServerResponse();
        if (oidc is not null)
        {
            Heading = texts["This sign-in request cannot be completed"];
            Message = oidc.ErrorDescription is { } description ? texts[description] : texts["The application sent a request this server cannot accept."];
            ProtocolError = oidc.Error;
            return;
        }

        // The server said why it refused or could not serve the request (bad input, a conflict, busy, database unreachable).
        if (HttpContext.Features.Get<Answer>() is { } answer)
        {
            // The answers' fixed words are in SharedText; words made for one request (a field's name) stay as written.
            (Heading, Message) = (texts[answer.Title], texts[answer.Detail]);
            var path = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath ?? Request.Path;
            ProtocolError = path.StartsWith("/connect/", StringComparison.OrdinalIgnoreCase) ? answer.OAuthError : null;
            return;
        }

        switch (status)
        {
            case 404:
                Heading = texts["Page not found"];
                Message = texts["There is no page at this address."];
                break;
            case 400:
                Heading = texts["Bad request"];
                Message = texts["The request was not understood. If you submitted a form, go back, reload the page and try again."];
                break;
            case 403:
                Heading = texts["Access denied"];
                Message = texts["You do not have permission to see this page."];
                break;
            case 405:
                Heading = texts["Not allowed here"];
                Message = texts["This page cannot be used that way. Open it with a link or its form."];
                break;
            case 413 or 414 or 431:
                Heading = texts["The request is too large"];
                Message = texts["The address, a field or the request as a whole is longer than this server accepts."];
                break;
            case 415:
                Heading = texts["Bad request"];
                Message = texts["The request was sent in a form this page does not read. Go back, reload the page and try again."];
                break;
            case 429:
                Heading = texts["Too many requests"];
                Message = texts["Please wait a moment and try again."];
                break;
            case 503:
                Heading = texts["The service is unavailable for a moment"];
                Message = texts["Please try again in a few seconds."];
                break;
        }
    }
}
