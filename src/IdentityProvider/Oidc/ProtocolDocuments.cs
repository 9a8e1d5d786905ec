using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace IdentityProvider.Oidc;

/// <summary>
/// The discovery document and the key set (JWKS), as OpenIddict writes them, kept in memory after the first request and
/// served from there: both depend only on the configuration and the token keys, which change only when a key folder does
/// (<see cref="TokenKeyRing"/> then calls <see cref="Clear"/>), and building the key set exports every public key again. Each carries <c>Cache-Control: public, max-age</c>
/// (<see cref="OidcOptions.DocumentMaxAge"/>) and a strong <c>ETag</c> (RFC 9110 section 8.8.3); a matching
/// <c>If-None-Match</c> gets 304 with no body. CORS and the security headers are applied per request, as before, and
/// <c>Vary: Origin</c> keeps shared caches from handing one origin's CORS answer to another.
/// </summary>
internal sealed class ProtocolDocuments(IOptions<OidcOptions> options)
{
    /// <summary>
    /// Without a configured issuer the documents name the request's host, so each host gets its own entry (with one, a single
    /// entry serves every host); past this many,
    /// documents for further hosts are built per request rather than kept (a flood of made-up Host headers stays small).
    /// </summary>
    internal const int MaxEntries = 16;

    private static readonly PathString Discovery = "/.well-known/openid-configuration";
    private static readonly PathString KeySet = "/.well-known/jwks";

    private readonly ConcurrentDictionary<string, Document> documents = new(StringComparer.Ordinal);
    private readonly string cacheControl = "public, max-age=" + (long)options.Value.DocumentMaxAge.TotalSeconds;

    // With a configured issuer the documents are the same whatever the Host header says (IssuerAsBaseUri).
    private readonly bool oneIssuer = options.Value.Issuer is not null;

    // Bumped by Clear: a document built from the options before a key change is not kept after it.
    private int generation;

    /// <summary>Forgets the kept documents: <see cref="TokenKeyRing"/> calls it when the token keys change.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref generation);
        documents.Clear();
    }

    public static bool Applies(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.QueryString.HasValue
        && (request.Path.Equals(Discovery, StringComparison.OrdinalIgnoreCase) || request.Path.Equals(KeySet, StringComparison.OrdinalIgnoreCase));

    public async Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;

        // The document's own constant names it (Applies matched the path ignoring case), so a request allocates no key
        // when there is one issuer.
        var path = request.Path.Equals(Discovery, StringComparison.OrdinalIgnoreCase) ? Discovery.Value! : KeySet.Value!;
        var key = oneIssuer
            ? path
            : string.Concat(path, " ", request.Scheme, "://", request.Host.Value, request.PathBase.Value);
        if (!documents.TryGetValue(key, out var document))
        {
            var built = Volatile.Read(ref generation);
            document = await BuildAsync(context, next);
            if (document is null)
            {
                return;
            }

            if (documents.Count < MaxEntries && built == Volatile.Read(ref generation))
            {
                documents.TryAdd(key, document);
            }
        }

        var response = context.Response;
        response.Headers.ETag = document.ETag;
        response.Headers.CacheControl = cacheControl;
        // CORS answers differ per Origin (an allowed app's origin, or none): a shared cache must keep them apart.
        response.Headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        if (Matches(request.Headers.IfNoneMatch, document.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = document.ContentType;
        response.ContentLength = document.Body.Length;
        await response.Body.WriteAsync(document.Body, context.RequestAborted);
    }

    /// <summary>Lets OpenIddict write the document into a buffer; anything but a 200 (an error) goes out as it came.</summary>
    private static async Task<Document?> BuildAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (response.StatusCode == StatusCodes.Status200OK && buffer.Length > 0)
        {
            var body = buffer.ToArray();
            var etag = "\"" + Convert.ToBase64String(SHA256.HashData(body), 0, 18).Replace('+', '-').Replace('/', '_') + "\"";
            return new Document(body, response.ContentType ?? "application/json;charset=UTF-8", etag);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
        return null;
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        // Weak comparison, as If-None-Match asks (RFC 9110 section 13.1.2).
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Tag.Equals(etag, StringComparison.Ordinal));
    }

    private sealed record Document(byte[] Body, string ContentType, string ETag);
}

internal static class ProtocolDocumentsExtensions
{
    /// <summary>Serves discovery and JWKS from memory (<see cref="ProtocolDocuments"/>); before OpenIddict, after CORS.</summary>
    public static IApplicationBuilder UseProtocolDocuments(this IApplicationBuilder app)
    {
        var documents = app.ApplicationServices.GetRequiredService<ProtocolDocuments>();
        return app.Use((context, next) => ProtocolDocuments.Applies(context.Request)
            ? documents.ServeAsync(context, _ => next())
            : next());
    }
}
