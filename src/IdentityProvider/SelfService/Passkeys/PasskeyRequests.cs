using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// The JSON the passkey script posts, read with a size limit, and the answers it understands: <c>{ "redirect": url }</c>
/// to go on, or a problem (400) whose title is a plain sentence for the user.
/// </summary>
public static class PasskeyRequests
{
    /// <summary>The largest body accepted: an attestation with a certificate chain fits many times over.</summary>
    public const int MaximumBodyBytes = 64 * 1024;

    public const string Malformed = "The browser sent something we could not read. Reload the page and try again.";

    /// <summary>The request's JSON object, or null when it is not JSON, too large or malformed.</summary>
    public static async Task<JsonElement?> ReadAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaximumBodyBytes || !request.HasJsonContentType())
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaximumBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A string member of <paramref name="body"/>, or null.</summary>
    public static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A boolean member of <paramref name="body"/> (false when missing).</summary>
    public static bool Flag(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The <c>credential</c> member: what <c>navigator.credentials</c> answered, in JSON.</summary>
    public static JsonElement? Credential(JsonElement body) =>
        body.TryGetProperty("credential", out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    /// <summary>
    /// A problem (400 unless told) whose title the script shows: <paramref name="message"/> (English, the key of its
    /// translations in <see cref="SecurityInfo.SecurityInfoText"/>) in the reader's language, with its arguments.
    /// </summary>
    public static IResult Problem(string message, int status = StatusCodes.Status400BadRequest, params object[] arguments) =>
        new TranslatedProblem(message, status, arguments);

    /// <summary>The same for a Razor page handler.</summary>
    public static ObjectResult ProblemResult(string message) =>
        new(new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = message }) { StatusCode = StatusCodes.Status400BadRequest, ContentTypes = { "application/problem+json" } };

    /// <summary>Where the script goes next.</summary>
    public static IResult Redirect(string url) => Results.Json(new PasskeyRedirect(url));

    /// <summary>Options for <c>navigator.credentials</c>, already in the library's JSON.</summary>
    public static IResult Options(string json) => Results.Text(json, "application/json");
}

/// <summary>Where the script goes next.</summary>
public sealed record PasskeyRedirect(string Redirect);

/// <summary>A problem whose title is translated when it is written, in the request's language.</summary>
internal sealed class TranslatedProblem(string message, int status, object[] arguments) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var texts = httpContext.RequestServices.GetRequiredService<IStringLocalizer<SecurityInfo.SecurityInfoText>>();
        return Results.Problem(statusCode: status, title: texts[message, arguments]).ExecuteAsync(httpContext);
    }
}
