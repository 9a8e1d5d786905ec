namespace IdentityProvider.Oidc;

/// <summary>Scope and claim names the server adds to the standard ones.</summary>
internal static class CustomScopes
{
    /// <summary>Puts the user's roles in the identity token.</summary>
    public const string Roles = "roles";
}

internal static class CustomClaims
{
    /// <summary>
    /// A digest of the user's security stamp, kept only in server-side tokens (authorization codes and
    /// refresh tokens) so that a changed stamp stops refresh. The stamp itself never leaves the database.
    /// </summary>
    public const string StampDigest = "stamp_digest";

    /// <summary>When the user's password was last changed (Unix seconds), in identity and access tokens.</summary>
    public const string PasswordChangedAt = "pwd_changed_at";

    /// <summary>
    /// The claims asked for by name for the userinfo response (the <c>claims</c> request parameter), space-separated,
    /// in access tokens so that the userinfo endpoint knows them.
    /// </summary>
    public const string UserInfoClaims = "userinfo_claims";

    /// <summary>The claims asked for by name for identity tokens, space-separated; kept only in server-side tokens.</summary>
    public const string IdTokenClaims = "id_token_claims";

    /// <summary>The OpenID Connect session id (Front- and Back-Channel Logout), in identity tokens.</summary>
    public const string SessionId = "sid";

    /// <summary>The names in a space-separated list claim.</summary>
    public static IReadOnlySet<string> Names(string? list) =>
        (list ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
}
