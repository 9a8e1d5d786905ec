using System.Collections.Immutable;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace IdentityProvider.Oidc;

/// <summary>
/// Settings of a relying app kept in its OpenIddict properties: where its back-channel logout endpoint is
/// (OpenID Connect Back-Channel Logout 1.0, <c>backchannel_logout_uri</c>) and which extra browser origins may call the
/// token, userinfo, revocation, discovery and key endpoints (CORS).
/// </summary>
internal static class ClientProperties
{
    public const string BackChannelLogoutUri = "backchannel_logout_uri";
    public const string AllowedOrigins = "allowed_cors_origins";

    public static async ValueTask<Uri?> BackChannelLogoutUriAsync(this IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken = default)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(BackChannelLogoutUri, out var value) && value.ValueKind == JsonValueKind.String
            && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri) ? uri : null;
    }

    public static async ValueTask<IReadOnlyList<string>> AllowedOriginsAsync(this IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken = default)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(AllowedOrigins, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];
    }

    /// <summary>Sets (or, with null or empty values, removes) both settings on a descriptor.</summary>
    public static void SetClientProperties(this OpenIddictApplicationDescriptor descriptor, Uri? backChannelLogoutUri, IEnumerable<string> allowedOrigins)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        descriptor.Properties.Remove(BackChannelLogoutUri);
        descriptor.Properties.Remove(AllowedOrigins);
        if (backChannelLogoutUri is not null)
        {
            descriptor.Properties[BackChannelLogoutUri] = JsonSerializer.SerializeToElement(backChannelLogoutUri.AbsoluteUri);
        }

        var origins = allowedOrigins.Distinct(StringComparer.OrdinalIgnoreCase).ToImmutableArray();
        if (origins.Length > 0)
        {
            descriptor.Properties[AllowedOrigins] = JsonSerializer.SerializeToElement(origins);
        }
    }

    /// <summary>The origin (<c>scheme://host[:port]</c>, lower case, no default port) of an http(s) address, or null.</summary>
    public static string? OriginOf(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;
}
