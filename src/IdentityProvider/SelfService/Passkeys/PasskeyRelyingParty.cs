using Fido2NetLib;
using IdentityProvider.Hosting;
using IdentityProvider.Oidc;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// This server as a WebAuthn relying party: its id is the host of the public origin (the configured issuer, or in
/// development without one the request's own origin) and the only origin it accepts is that origin. <c>localhost</c>
/// is a valid relying-party id, so tests need no HTTPS.
/// </summary>
public sealed class PasskeyRelyingParty(IOptions<OidcOptions> oidc, IOptions<OrganizationOptions> organization)
{
    /// <summary>How long the browser may wait for the authenticator; the ceremony itself lives at most 5 minutes.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The public origin, e.g. <c>https://id.example.org</c>.</summary>
    public string Origin(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return oidc.Value.Issuer is { } issuer
            ? issuer.GetLeftPart(UriPartial.Authority)
            : $"{http.Request.Scheme}://{http.Request.Host.Value}";
    }

    /// <summary>The relying-party id: the public origin's host.</summary>
    public string Id(HttpContext http) => new Uri(Origin(http)).Host;

    /// <summary>The WebAuthn library, configured for this request's public origin.</summary>
    public IFido2 For(HttpContext http) => new Fido2(new Fido2Configuration
    {
        RPID = Id(http),
        RPName = organization.Value.Name,
        Origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Origin(http) },
        Timeout = (uint)Timeout.TotalMilliseconds,
        ChallengeSize = 32,
    });
}
