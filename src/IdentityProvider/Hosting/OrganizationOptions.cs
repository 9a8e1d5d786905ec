using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Hosting;

/// <summary>The organisation this deployment serves; its name appears on every page. Section <c>Organization</c>.</summary>
public sealed class OrganizationOptions
{
    public const string SectionName = "Organization";

    /// <summary>Display name, e.g. "Contoso". Shown in page titles and headings.</summary>
    [Required]
    [StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = "Example Organisation";

    /// <summary>
    /// IANA time zone (e.g. "Europe/Paris") that pages and messages use when the reader's browser has not reported
    /// its own. Default "UTC". An id this machine does not know fails the start.
    /// </summary>
    [Required]
    [StringLength(64)]
    public string TimeZone { get; set; } = "UTC";
}
