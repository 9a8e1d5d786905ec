using System.Globalization;
using IdentityProvider.Hosting;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace IdentityProvider.UnitTests.Localization;

/// <summary>Times are written in the reader's zone and culture; a zone the browser did not report is named.</summary>
public sealed class LocalTimesTests
{
    private static readonly DateTimeOffset Instant = new(2026, 11, 30, 23, 45, 0, TimeSpan.Zero);

    [Fact]
    public void TheBrowsersZone_IsUsed_AndNotNamed()
    {
        var times = Times(browserZone: "Europe/Paris", organizationZone: "UTC");

        var text = times.Format(Instant, TimeFormat.Compact, CultureInfo.GetCultureInfo("fr-FR"));

        Assert.Equal("01/12/2026 00:45", text);
    }

    [Fact]
    public void WithoutABrowserZone_TheOrganisationsZone_IsUsedAndNamed()
    {
        var times = Times(browserZone: null, organizationZone: "America/New_York");

        var text = times.Format(Instant, TimeFormat.Time, CultureInfo.GetCultureInfo("en-US"));

        // ICU puts a narrow no-break space before AM/PM.
        Assert.Equal("6:45\u202FPM (America/New_York)", text);
    }

    [Theory]
    [InlineData("Not/AZone")]
    [InlineData("../../etc/passwd")]
    [InlineData("")]
    public void AnUnknownBrowserZone_IsIgnored(string cookie)
    {
        var times = Times(browserZone: cookie, organizationZone: "UTC");

        Assert.Null(times.BrowserZone);
        Assert.Equal("Monday, 30 November 2026 23:45 (UTC)", times.Format(Instant, TimeFormat.DateTime, CultureInfo.GetCultureInfo("en-GB")));
    }

    [Fact]
    public void ADate_IsTheCulturesLongDate_InTheZone()
    {
        var times = Times(browserZone: "Asia/Tokyo", organizationZone: "UTC");

        Assert.Equal("Dienstag, 1. Dezember 2026", times.Format(Instant, TimeFormat.Date, CultureInfo.GetCultureInfo("de-DE")));
    }

    private static LocalTimes Times(string? browserZone, string organizationZone)
    {
        var context = new DefaultHttpContext();
        if (browserZone is not null)
        {
            context.Request.Headers.Cookie = $"{LocalTimes.CookieName}={Uri.EscapeDataString(browserZone)}";
        }

        return new LocalTimes(new HttpContextAccessor { HttpContext = context }, Options.Create(new OrganizationOptions { TimeZone = organizationZone }));
    }
}
