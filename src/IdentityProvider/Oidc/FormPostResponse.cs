using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using IdentityProvider.Localization;
using Microsoft.AspNetCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// The <c>response_mode=form_post</c> page (OAuth 2.0 Form Post Response Mode) in a form that works under this
/// server's Content-Security-Policy (<c>script-src 'self'</c>): the form is submitted by a static script from this
/// origin (<c>/js/form-post.js</c>) instead of an inline one, and a visible "Continue" button does the same for
/// browsers without scripts. Runs before OpenIddict's own page, which is then never used.
/// </summary>
internal sealed class FormPostResponse(HtmlEncoder encoder, IOptions<Hosting.OrganizationOptions> organization, IStringLocalizer<SharedText> texts) : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    public const string ScriptPath = "/js/form-post.js";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseSingletonHandler<FormPostResponse>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.Authentication.ProcessFormPostResponse.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(context.RedirectUri) || context.ResponseMode != ResponseModes.FormPost
            || context.Transaction.GetHttpRequest()?.HttpContext.Response is not { } response)
        {
            return;
        }

        var heading = encoder.Encode(texts["Returning to the app"]);
        var html = new StringBuilder();
        html.Append("<!doctype html>\n<html lang=\"").Append(encoder.Encode(CultureInfo.CurrentUICulture.Name)).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(heading).Append(" – ").Append(encoder.Encode(organization.Value.Name)).Append("</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"/css/site.css\">\n</head>\n<body>\n<main id=\"main\" class=\"card\">\n")
            .Append("<h1>").Append(heading).Append("</h1>\n")
            .Append("<form id=\"form-post\" method=\"post\" action=\"").Append(encoder.Encode(context.RedirectUri)).Append("\">\n");
        foreach (var (name, value) in context.Response.GetParameters())
        {
            foreach (var item in (ImmutableArray<string?>?)value ?? [])
            {
                if (!string.IsNullOrEmpty(item))
                {
                    html.Append("<input type=\"hidden\" name=\"").Append(encoder.Encode(name))
                        .Append("\" value=\"").Append(encoder.Encode(item)).Append("\">\n");
                }
            }
        }

        html.Append("<p>").Append(encoder.Encode(texts["If the app does not open by itself, continue:"])).Append("</p>\n")
            .Append("<button type=\"submit\" class=\"button primary\">").Append(encoder.Encode(texts["Continue"])).Append("</button>\n</form>\n</main>\n")
            .Append("<script src=\"").Append(ScriptPath).Append("\"></script>\n</body>\n</html>\n");

        var body = Encoding.UTF8.GetBytes(html.ToString());
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        await response.Body.WriteAsync(body, context.CancellationToken);
        context.HandleRequest();
    }
}
