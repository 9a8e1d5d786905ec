namespace IdentityProvider.Hosting;

/// <summary>
/// Security headers on every response. Pages load scripts and styles from this origin only, cannot be framed,
/// and send no referrer to other sites. No response is stored by browsers or proxies (<c>Cache-Control: no-store</c>)
/// unless it says otherwise itself: pages, the admin API and its exports, userinfo, introspection and tokens carry
/// personal, admin or token data. Only the public static files say otherwise (<c>no-cache</c>, see
/// <see cref="HostingExtensions.UseHosting"/>).
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    /// <summary>The API documentation's UI sets inline styles from its script; that page alone allows them (scripts stay strict).</summary>
    internal const string ApiDocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var apiDocs = context.Request.Path.StartsWithSegments("/api/docs", StringComparison.OrdinalIgnoreCase);
            headers.ContentSecurityPolicy = apiDocs ? ApiDocsContentSecurityPolicy : ContentSecurityPolicy;
            if (apiDocs)
            {
                // The API's browsable documentation is public static files, like wwwroot's: revalidated, never private.
                headers.CacheControl = "no-cache";
            }

            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            if (!headers.ContainsKey("Cache-Control"))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });

        return next(context);
    }
}
