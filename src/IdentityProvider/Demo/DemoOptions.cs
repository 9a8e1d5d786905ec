using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Demo;

/// <summary>
/// The seeded demo organisation of the embedded default. Section <c>Demo</c>. Refused in the Production
/// environment: demo users have published passwords.
/// </summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Create the demo users, roles, scope and client applications at start (idempotent).</summary>
    public bool Seed { get; set; }

    /// <summary>Serve the demo relying-party page at <c>/demo</c>.</summary>
    public bool EnableDemoPage { get; set; }

    /// <summary>The origin the browser uses to reach this server; the demo clients' redirect URIs are registered under it.</summary>
    [Required]
    public Uri PublicOrigin { get; set; } = new("http://localhost:5080");

    /// <summary>Password of the demo administrator <c>admin</c>.</summary>
    public string AdminPassword { get; set; } = "Copper-Meadow-Falcon-17";

    /// <summary>Password of the demo user <c>demo</c>.</summary>
    public string UserPassword { get; set; } = "Rainy-Harbour-Lantern-42";

    /// <summary>Secret of the confidential <c>demo-service</c> client (client credentials).</summary>
    public string ServiceClientSecret { get; set; } = "demo-service-secret-change-me";
}
