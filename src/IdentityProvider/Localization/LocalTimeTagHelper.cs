using System.Globalization;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace IdentityProvider.Localization;

/// <summary>
/// <c>&lt;time local="@value" format="Short"&gt;&lt;/time&gt;</c>: the time in the reader's zone and culture
/// (<see cref="LocalTimes"/>), with the exact instant in <c>datetime</c> (ISO 8601, UTC).
/// </summary>
[HtmlTargetElement("time", Attributes = "local")]
public sealed class LocalTimeTagHelper(LocalTimes times) : TagHelper
{
    /// <summary>The instant to show.</summary>
    public DateTimeOffset Local { get; set; }

    /// <summary>How to write it; <see cref="TimeFormat.DateTime"/> by default.</summary>
    public TimeFormat Format { get; set; } = TimeFormat.DateTime;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Attributes.SetAttribute("datetime", Local.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        output.Content.SetContent(times.Format(Local, Format));
    }
}
