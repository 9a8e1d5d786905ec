using System.Globalization;
using System.Text.Encodings.Web;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Html;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.Account;

/// <summary>The words for "too many attempts, wait until …" on pages where the user is already known.</summary>
internal static class SignInPause
{
    /// <summary>"Password attempts for your account are paused until …", in the reader's language, time zone and culture.</summary>
    /// <param name="texts">The account texts.</param>
    /// <param name="times">The reader's times.</param>
    /// <param name="until">When attempts may start again, if known.</param>
    /// <param name="now">The current time (to write only the time of day when the pause ends within hours).</param>
    public static string Message(IStringLocalizer<AccountText> texts, LocalTimes times, DateTimeOffset? until, DateTimeOffset now) =>
        until is { } time
            ? texts["Password attempts for your account are paused until {0} because of too many wrong tries. Try again after that.", times.Format(time, FormatFor(time, now))]
            : texts["Password attempts for your account are paused for now because of too many wrong tries. Try again later."];

    /// <summary>"Code attempts are paused until …" (second-factor and step-up codes), in the reader's language, zone and culture.</summary>
    /// <param name="texts">The account texts.</param>
    /// <param name="times">The reader's times.</param>
    /// <param name="until">When attempts may start again, if known.</param>
    /// <param name="now">The current time.</param>
    public static string CodesMessage(IStringLocalizer<AccountText> texts, LocalTimes times, DateTimeOffset? until, DateTimeOffset now) =>
        until is { } time
            ? texts["Code attempts are paused until {0} because of too many wrong codes. Try again after that.", times.Format(time, FormatFor(time, now))]
            : texts["Code attempts are paused for now because of too many wrong codes. Try again later."];

    /// <summary>A <c>time</c> element for <paramref name="until"/> in the reader's zone and culture.</summary>
    public static IHtmlContent Html(LocalTimes times, DateTimeOffset until, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(times);
        var instant = until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new HtmlString($"<time datetime=\"{instant}\">{HtmlEncoder.Default.Encode(times.Format(until, FormatFor(until, now)))}</time>");
    }

    /// <summary>The time of day when the pause ends within twelve hours, otherwise the date too.</summary>
    private static TimeFormat FormatFor(DateTimeOffset until, DateTimeOffset now) =>
        until - now < TimeSpan.FromHours(12) ? TimeFormat.Time : TimeFormat.DateTime;
}

/// <summary>The pause messages for pages of other modules, with the reader's texts and times at hand.</summary>
public sealed class SignInPauses(IStringLocalizer<AccountText> texts, LocalTimes times, TimeProvider time)
{
    /// <summary>Password attempts are paused until <paramref name="until"/>.</summary>
    public string Password(DateTimeOffset? until) => SignInPause.Message(texts, times, until, time.GetUtcNow());

    /// <summary>Code attempts (second factor, step-up) are paused until <paramref name="until"/>.</summary>
    public string Codes(DateTimeOffset? until) => SignInPause.CodesMessage(texts, times, until, time.GetUtcNow());
}
