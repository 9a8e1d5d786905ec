using System.Globalization;
using IdentityProvider.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Localization;

/// <summary>How a time is written: the culture's long date, short time, long date and short time, or a compact form for tables.</summary>
public enum TimeFormat
{
    /// <summary>The culture's long date ("D"), e.g. "Monday, 30 November 2026".</summary>
    Date,

    /// <summary>The culture's short time ("t"), e.g. "23:45".</summary>
    Time,

    /// <summary>Long date and short time ("f").</summary>
    DateTime,

    /// <summary>Short date and short time ("g"), for tables.</summary>
    Compact,
}

/// <summary>
/// Times in the reader's time zone and culture. The zone is the one the browser reported (the <c>idp.tz</c> cookie
/// that <c>locale.js</c> sets from <c>Intl.DateTimeFormat</c>), else the organisation's
/// (<see cref="OrganizationOptions.TimeZone"/>). Outside a request (background sends), the organisation's.
/// When the zone is not the browser's, the text names it, so "14:00" is never read in the wrong zone.
/// </summary>
public sealed class LocalTimes(IHttpContextAccessor http, IOptions<OrganizationOptions> organization)
{
    /// <summary>The cookie with the browser's IANA time zone.</summary>
    public const string CookieName = "idp.tz";

    /// <summary>The browser-reported zone when valid, else null.</summary>
    public TimeZoneInfo? BrowserZone
    {
        get
        {
            var id = http.HttpContext?.Request.Cookies[CookieName];
            if (string.IsNullOrEmpty(id) || id.Length > 64)
            {
                return null;
            }

            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
        }
    }

    /// <summary>The organisation's zone (UTC when unset or unknown on this machine).</summary>
    public TimeZoneInfo OrganizationZone =>
        TimeZoneInfo.TryFindSystemTimeZoneById(organization.Value.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The zone times are shown in.</summary>
    public TimeZoneInfo Zone => BrowserZone ?? OrganizationZone;

    /// <summary><paramref name="time"/> in <see cref="Zone"/>, written in <paramref name="culture"/> (default: the current culture).</summary>
    public string Format(DateTimeOffset time, TimeFormat format = TimeFormat.DateTime, CultureInfo? culture = null) =>
        Format(time, format, culture ?? CultureInfo.CurrentCulture, BrowserZone);

    private string Format(DateTimeOffset time, TimeFormat format, CultureInfo culture, TimeZoneInfo? browser)
    {
        var zone = browser ?? OrganizationZone;
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var text = local.ToString(format switch
        {
            TimeFormat.Date => "D",
            TimeFormat.Time => "t",
            TimeFormat.Compact => "g",
            _ => "f",
        }, culture);
        return browser is not null || format == TimeFormat.Date ? text : $"{text} ({ZoneName(zone)})";
    }

    private static string ZoneName(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc ? "UTC" : zone.Id;
}
