using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace IdentityProvider.Resilience;

/// <summary>What the server answers instead of doing what was asked: the status, words for people, and the OAuth error code.</summary>
public sealed record Answer(int Status, string Title, string Detail, string OAuthError, IDictionary<string, string[]>? Errors = null)
{
    public static Answer BadInput(string title, string detail, string? field = null) =>
        new(StatusCodes.Status400BadRequest, title, detail, "invalid_request", field is null ? null : new Dictionary<string, string[]> { [field] = [detail] });

    public static Answer Conflict { get; } = new(
        StatusCodes.Status409Conflict, "This changed meanwhile", "Someone else changed this at the same time, so nothing was saved. Look at it again and retry.", "invalid_request");

    public static Answer Busy { get; } = new(
        StatusCodes.Status503ServiceUnavailable, "The service is busy", "Too many requests are being handled right now. Try again in a few seconds.", "temporarily_unavailable");

    public static Answer Unavailable { get; } = new(
        StatusCodes.Status503ServiceUnavailable, "The service is unavailable for a moment", "The service cannot reach its database right now. Try again in a few seconds.", "temporarily_unavailable");
}

/// <summary>
/// Writes an <see cref="Answer"/> in the form the caller reads: an RFC 9457 problem for the admin API, the OAuth error
/// JSON (<c>error</c>, <c>error_description</c>) for the protocol endpoints that answer machines (token, introspection,
/// revocation, userinfo, discovery, keys), and the error page for everything a browser shows (pages, and the
/// authorization and end-session endpoints, whose redirect target cannot be trusted when the request is refused).
/// A 503 carries <c>Retry-After</c>.
/// </summary>
public sealed class RequestAnswers(IProblemDetailsService problems, IOptionsMonitor<OpenIddictServerOptions> oidc, IOptions<LimitsOptions> limits)
{
    public async Task AnswerAsync(HttpContext context, Answer answer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(answer);
        var response = context.Response;
        response.Clear();
        response.StatusCode = answer.Status;
        if (answer.Status == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = limits.Value.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        context.Features.Set(answer);
        if (IsApi(context.Request.Path))
        {
            ProblemDetails problem = answer.Errors is { } errors
                ? new HttpValidationProblemDetails(errors) { Status = answer.Status, Title = answer.Title, Detail = answer.Detail }
                : new ProblemDetails { Status = answer.Status, Title = answer.Title, Detail = answer.Detail };
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }
        else if (IsMachineProtocolEndpoint(context.Request.Path))
        {
            response.Headers.CacheControl = "no-store";
            await response.WriteAsJsonAsync(new Dictionary<string, string> { ["error"] = answer.OAuthError, ["error_description"] = answer.Detail }, context.RequestAborted);
        }
        else if (context.Features.Get<IStatusCodeReExecuteFeature>() is not null || context.Features.Get<IExceptionHandlerFeature>() is not null)
        {
            // Already showing the error page for this request: a plain page, nothing that could fail again.
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(
                $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{HtmlEncoder.Default.Encode(answer.Title)}</title></head>" +
                $"<body><h1>{HtmlEncoder.Default.Encode(answer.Title)}</h1><p>{HtmlEncoder.Default.Encode(answer.Detail)}</p></body></html>",
                context.RequestAborted);
        }

        // Otherwise the body stays empty and the status code pages show the error page, which reads the answer.
    }

    private static bool IsApi(PathString path) => path.StartsWithSegments(Admin.AdminApi.Prefix, StringComparison.OrdinalIgnoreCase);

    private bool IsMachineProtocolEndpoint(PathString path)
    {
        var options = oidc.CurrentValue;
        return Matches(path, options.TokenEndpointUris) || Matches(path, options.IntrospectionEndpointUris) || Matches(path, options.RevocationEndpointUris)
            || Matches(path, options.UserInfoEndpointUris) || Matches(path, options.ConfigurationEndpointUris) || Matches(path, options.JsonWebKeySetEndpointUris)
            || Matches(path, options.DeviceAuthorizationEndpointUris) || Matches(path, options.PushedAuthorizationEndpointUris);
    }

    private static bool Matches(PathString path, List<Uri> endpoints) =>
        endpoints.Exists(uri => !uri.IsAbsoluteUri && path.Equals("/" + uri.OriginalString.TrimStart('/'), StringComparison.OrdinalIgnoreCase));
}
