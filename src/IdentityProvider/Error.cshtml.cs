using System.Diagnostics;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider;

/// <summary>One error page for unhandled errors, status codes and OpenID Connect errors shown to the user.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "The server could not complete your request. Please try again.";

    public string? ProtocolError { get; private set; }

    public string? RequestId { get; private set; }

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        var oidc = HttpContext.GetOpenIddictServerResponse();
        if (oidc is not null)
        {
            Heading = "This sign-in request cannot be completed";
            Message = oidc.ErrorDescription ?? "The application sent a request this server cannot accept.";
            ProtocolError = oidc.Error;
            return;
        }

        switch (status)
        {
            case 404:
                Heading = "Page not found";
                Message = "There is no page at this address.";
                break;
            case 400:
                Heading = "Bad request";
                Message = "The request was not understood. If you submitted a form, go back, reload the page and try again.";
                break;
            case 403:
                Heading = "Access denied";
                Message = "You do not have permission to see this page.";
                break;
            case 429:
                Heading = "Too many requests";
                Message = "Please wait a moment and try again.";
                break;
        }
    }
}
