using System.ComponentModel.DataAnnotations;
using System.Net;

namespace IdentityProvider.Hosting;

/// <summary>How the server sits behind proxies and what its cookies and transport headers look like. Section <c>Hosting</c>.</summary>
public sealed class HostingOptions : IValidatableObject
{
    public const string SectionName = "Hosting";

    /// <summary>
    /// Read <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c>, but only from the proxies in
    /// <see cref="KnownProxies"/> and <see cref="KnownNetworks"/> (loopback when both are empty). Headers from any other
    /// address are ignored. Default off.
    /// </summary>
    public bool UseForwardedHeaders { get; set; }

    /// <summary>IP addresses of the reverse proxies whose forwarded headers are trusted, e.g. <c>10.0.0.5</c>. Default: none (loopback only).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted reverse proxies in CIDR form, e.g. <c>10.42.0.0/16</c>. Default: none (loopback only).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// Mark every cookie <c>Secure</c> whatever the request's scheme, and name cookies with the <c>__Host-</c> prefix (path
    /// <c>/</c>) or <c>__Secure-</c> (a sub-path). Default on, except in the Development environment. Turn it off only to
    /// serve plain HTTP to clients that do not send secure cookies back over HTTP (automated tests).
    /// </summary>
    public bool? SecureCookies { get; set; }

    /// <summary>The <c>Strict-Transport-Security</c> header sent on HTTPS responses outside Development.</summary>
    public HstsSettings Hsts { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hsts = new List<ValidationResult>();
        Validator.TryValidateObject(Hsts, new ValidationContext(Hsts), hsts, validateAllProperties: true);
        foreach (var problem in hsts)
        {
            yield return new ValidationResult("Hosting:Hsts: " + problem.ErrorMessage, [nameof(Hsts)]);
        }

        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Hosting:KnownProxies has '{proxy}', which is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"Hosting:KnownNetworks has '{network}', which is not a network in CIDR form (e.g. 10.42.0.0/16).", [nameof(KnownNetworks)]);
        }
    }
}

/// <summary>HTTP Strict Transport Security (RFC 6797). Section <c>Hosting:Hsts</c>.</summary>
public sealed class HstsSettings
{
    /// <summary>How long browsers remember to use HTTPS only. Default 365 days.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "730.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Apply it to every subdomain too (<c>includeSubDomains</c>). Default on.</summary>
    public bool IncludeSubDomains { get; set; } = true;

    /// <summary>Ask to be put on browsers' preload lists (<c>preload</c>); only once every subdomain serves HTTPS. Default off.</summary>
    public bool Preload { get; set; }
}
