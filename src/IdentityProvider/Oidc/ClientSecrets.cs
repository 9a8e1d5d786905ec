using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdentityProvider.Oidc;

/// <summary>
/// Client secrets. Secrets this server generates carry 256 random bits in a recognisable form (<c>cs_</c> + 43
/// base64url characters); for those a salted slow hash buys nothing, so they are stored as SHA-256 and compared in
/// constant time, which keeps the token endpoint fast. Any other secret (typed by a person) keeps OpenIddict's
/// slow PBKDF2 hash.
/// </summary>
internal static partial class ClientSecrets
{
    public const string Prefix = "cs_";
    internal const string FastHashMarker = "$sha256$";

    /// <summary>A new secret with 256 bits of entropy. Show it once; only its hash is stored.</summary>
    public static string Generate() => Prefix + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static bool IsGenerated(string secret) => GeneratedPattern().IsMatch(secret);

    public static string FastHash(string secret) =>
        FastHashMarker + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool FastVerify(string secret, string stored) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(FastHash(secret)), Encoding.ASCII.GetBytes(stored));

    [GeneratedRegex("^cs_[A-Za-z0-9_-]{43}$", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedPattern();
}

/// <summary>OpenIddict's application manager with the fast path for generated client secrets.</summary>
internal sealed class ApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    protected override ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default) =>
        ClientSecrets.IsGenerated(secret) ? ValueTask.FromResult(ClientSecrets.FastHash(secret)) : base.ObfuscateClientSecretAsync(secret, cancellationToken);

    /// <summary>
    /// OpenIddict forgets the cached app before its row is deleted; forget it again after, so that a token request that read
    /// the row in between cannot keep the deleted app on this node (<see cref="NodeEntityCache"/>).
    /// </summary>
    public override async ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.DeleteAsync(application, cancellationToken);
        await Cache.RemoveAsync(application, cancellationToken);
    }

    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default) =>
        comparand.StartsWith(ClientSecrets.FastHashMarker, StringComparison.Ordinal)
            ? ValueTask.FromResult(ClientSecrets.FastVerify(secret, comparand))
            : base.ValidateClientSecretAsync(secret, comparand, cancellationToken);
}
