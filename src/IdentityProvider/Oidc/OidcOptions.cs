using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Oidc;

/// <summary>The OpenID Connect server's settings. Section <c>Oidc</c>.</summary>
public sealed class OidcOptions
{
    public const string SectionName = "Oidc";

    /// <summary>
    /// The issuer URL published in discovery and placed in every token, e.g. <c>https://id.example.org/</c>.
    /// Required (and https) in the Production environment, which refuses to start without it. Elsewhere, when empty, the
    /// server uses the URL of each request (a development convenience: the Host header then decides the issuer).
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>
    /// Allow the protocol endpoints over plain HTTP. Only for development and tests: refused at start in
    /// the Production environment.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Lifetime of access tokens. Default 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of identity tokens. Default 20 minutes.</summary>
    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Lifetime of authorization codes. Default 5 minutes.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sliding lifetime of refresh tokens. Default 14 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long a refresh token that was already exchanged may be used again (for clients that refresh
    /// concurrently). Default zero: any reuse is treated as theft and revokes the whole token family.
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.Zero;

    /// <summary>How often expired or revoked tokens and authorizations are deleted. Default 1 hour.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Tokens and authorizations created before this age and no longer valid are pruned. Default 14 days.</summary>
    public TimeSpan PruneAge { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long apps and proxies may keep the discovery document and the key set (JWKS) before asking again
    /// (<c>Cache-Control: public, max-age</c>; both also carry an <c>ETag</c>, so a revalidation costs a 304). Default 15
    /// minutes; zero asks every client to revalidate each time. A new signing key must be published at least this long
    /// before tokens are signed with it. At most 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DocumentMaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a node keeps an app's registration and the API scopes after reading them, so that token requests do not
    /// read them again. A change made on a node applies there at once; every other node sees it within this time (a
    /// removed app, a rotated secret or a withdrawn scope keeps working there until then). Default 30 seconds; zero
    /// reads them on every request. At most 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan EntityCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The keys that sign and encrypt tokens.</summary>
    [Required]
    public OidcKeyOptions Keys { get; set; } = new();
}

/// <summary>
/// Where token signing and encryption keys come from. Each path is either a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>,
/// with its password) or a PEM file holding an RSA private key, optionally followed by its certificate.
/// </summary>
public sealed class OidcKeyOptions
{
    /// <summary>The signing key or certificate file. Required in production.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>Password of a PKCS#12 signing file.</summary>
    public string? SigningKeyPassword { get; set; }

    /// <summary>The encryption key or certificate file (used for authorization codes and refresh tokens). Required in production.</summary>
    public string? EncryptionKeyPath { get; set; }

    /// <summary>Password of a PKCS#12 encryption file.</summary>
    public string? EncryptionKeyPassword { get; set; }

    /// <summary>
    /// Embedded default only: a folder where a signing and an encryption key are generated at first start and
    /// reused afterwards. Refused in the Production environment.
    /// </summary>
    public string? GeneratedKeysDirectory { get; set; }

    /// <summary>
    /// A folder of signing keys, read again while the server runs (see <see cref="KeysDirectoryPollInterval"/>), instead of
    /// the one <see cref="SigningKeyPath"/>. Each <c>*.pem</c> file holds one private key: RSA of 2048 bits or more (RS256)
    /// or EC on P-256 (ES256), PKCS#8, PKCS#1 or SEC 1; other files are ignored. Every key in the folder is published in the
    /// key set; a key signs only after it has been published for <see cref="RotationLeadTime"/> (the newest such key signs).
    /// Set this or <see cref="SigningKeyPath"/>, not both. A Kubernetes Secret mounted as a folder works as it is.
    /// </summary>
    public string? SigningKeysDirectory { get; set; }

    /// <summary>
    /// A folder of encryption keys (RSA, 2048 bits or more, one <c>*.pem</c> file each), read again while the server runs,
    /// instead of the one <see cref="EncryptionKeyPath"/>. Every key decrypts; the newest key published for
    /// <see cref="RotationLeadTime"/> encrypts new authorization codes and refresh tokens. Set this or
    /// <see cref="EncryptionKeyPath"/>, not both.
    /// </summary>
    public string? EncryptionKeysDirectory { get; set; }

    /// <summary>
    /// How often the key folders are read again. Polling (rather than file events) also sees a Kubernetes Secret update,
    /// which swaps a symbolic link. Default 30 seconds; from 1 second to 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeysDirectoryPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a new key from a key folder is published before it signs (or encrypts), counted from the moment the first
    /// node saw it (recorded in the database, so every node and every restart agrees). Apps and APIs that keep the key set
    /// for up to <see cref="OidcOptions.DocumentMaxAge"/> (or their own refresh period) then already know the key when the
    /// first token signed with it arrives. Must be at least <see cref="OidcOptions.DocumentMaxAge"/>. Default 1 day (JWT
    /// libraries commonly refresh a key set every 12 to 24 hours); from zero to 30 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RotationLeadTime { get; set; } = TimeSpan.FromDays(1);
}
