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
}
