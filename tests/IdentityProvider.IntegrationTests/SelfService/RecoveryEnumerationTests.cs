using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>Helpers to compare pages without the values that differ on every response.</summary>
internal static partial class Enumeration
{
    /// <summary>The page with anti-forgery token values blanked.</summary>
    public static string WithoutAntiforgery(string html) => AntiforgeryValue().Replace(html, "$1\"\"");

    /// <summary>The page with anti-forgery token values blanked and the user ID as typed (shown on every journey page) replaced.</summary>
    public static string WithoutAntiforgery(string html, string typedUserId)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(typedUserId);
        return WithoutAntiforgery(html).Replace(typedUserId, "(typed user ID)", StringComparison.Ordinal)
            .Replace(Uri.EscapeDataString(typedUserId), "(typed user ID)", StringComparison.Ordinal);
    }

    [GeneratedRegex("(name=\"__RequestVerificationToken\" type=\"hidden\" value=)\"[^\"]*\"")]
    private static partial Regex AntiforgeryValue();
}

/// <summary>An unknown user ID and a user without methods can't be told apart: not by the page, not by the time it takes.</summary>
public sealed class RecoveryEnumerationTests(RecoveryFixture fixture, ITestOutputHelper output) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task UnknownAndUnregistered_GetTheSameResponses_ByteForByte()
    {
        var unregistered = await RecoveryData.CreateUserAsync(Idp);
        var unknown = "user" + Guid.NewGuid().ToString("N")[..10];

        var (knownStart, knownPage) = await StartAsync(unregistered.UserName!);
        var (unknownStart, unknownPage) = await StartAsync(unknown);

        Assert.Equal(HttpStatusCode.Redirect, knownStart.Status);
        Assert.Equal(knownStart, unknownStart);
        Assert.Equal(HttpStatusCode.OK, knownPage.Status);
        Assert.Equal(knownPage.Status, unknownPage.Status);
        Assert.Contains("We could not verify your account", knownPage.Body, StringComparison.Ordinal);
        Assert.Equal(Enumeration.WithoutAntiforgery(knownPage.Body, unregistered.UserName!), Enumeration.WithoutAntiforgery(unknownPage.Body, unknown));
        Assert.Equal(knownPage.Headers, unknownPage.Headers);
    }

    [Fact]
    public async Task UnknownAndUnregistered_TakeTheSameTime()
    {
        const int Samples = 40;
        var unregistered = new List<string>();
        for (var i = 0; i < Samples + 2; i++)
        {
            unregistered.Add((await RecoveryData.CreateUserAsync(Idp)).UserName!);
        }

        var known = new List<double>();
        var unknown = new List<double>();

        // Interleaved pairs after a warm-up of each: whatever else the machine is doing hits both sides of a pair alike.
        await TimeAsync(unregistered[^1]);
        await TimeAsync("user" + Guid.NewGuid().ToString("N")[..10]);
        for (var i = 0; i < Samples; i++)
        {
            var first = i % 2 == 0;
            var a = await TimeAsync(first ? unregistered[i] : "user" + Guid.NewGuid().ToString("N")[..10]);
            var b = await TimeAsync(first ? "user" + Guid.NewGuid().ToString("N")[..10] : unregistered[i]);
            known.Add(first ? a : b);
            unknown.Add(first ? b : a);
        }

        var differences = known.Zip(unknown, (k, u) => u - k).ToList();
        var medianDifference = Median(differences);
        var unknownSlower = differences.Count(d => d > 0) / (double)Samples;
        output.WriteLine($"start POST, {Samples} pairs: unregistered median {Median(known):F1} ms, unknown median {Median(unknown):F1} ms, " +
            $"median paired difference {medianDifference:F1} ms, unknown slower in {unknownSlower:P0} of pairs");

        // A real difference (a password hash, an extra round trip) moves the paired median and makes one side slower
        // in nearly every pair; noise does neither. With 40 fair pairs, 15–85 % is more than three standard deviations wide; a real difference fails it.
        var tolerance = Math.Max(5.0, 0.3 * Median(known));
        Assert.True(Math.Abs(medianDifference) <= tolerance, $"Median paired difference {medianDifference:F1} ms exceeds {tolerance:F1} ms.");
        Assert.InRange(unknownSlower, 0.15, 0.85);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Time of the start page's POST alone (CAPTCHA check, account checks, journey start).</summary>
    private async Task<double> TimeAsync(string userId)
    {
        using var client = Idp.CreateClient(followRedirects: false);
        using var page = await client.GetAsync(new Uri("recover?captcha=question", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();
        var document = HtmlForms.Parse(html);
        var question = document.QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        var fields = document.QuerySelectorAll("main form input[name]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? string.Empty))
            .Where(f => f.Key is not ("Input.UserId" or "Input.CaptchaAnswer"))
            .Append(new("Input.UserId", userId)).Append(new("Input.CaptchaAnswer", RecoveryData.AnswerCaptchaQuestion(question))).ToList();
        using var content = new FormUrlEncodedContent(fields);
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsync(new Uri("recover", UriKind.Relative), content);
        watch.Stop();
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return watch.Elapsed.TotalMilliseconds;
    }

    private async Task<((HttpStatusCode Status, string? Location, string CookieNames) Start, (HttpStatusCode Status, string Body, string Headers) Page)> StartAsync(string userId)
    {
        var cookies = new CookieContainer();
        using var client = Idp.CreateClient(followRedirects: false, cookies: cookies);
        using var page = await client.GetAsync(new Uri("recover?captcha=question", UriKind.Relative));
        var document = HtmlForms.Parse(await page.Content.ReadAsStringAsync());
        var question = document.QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        using var start = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.UserId"] = userId,
            ["Input.CaptchaAnswer"] = RecoveryData.AnswerCaptchaQuestion(question),
        });
        var cookieNames = string.Join(",", start.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split('=')[0]).Order() : []);
        using var outcome = await client.GetAsync(start.Headers.Location);
        var headers = string.Join("\n", outcome.Headers.Concat(outcome.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Set-Cookie" or "Content-Length"))
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order());
        return ((start.StatusCode, start.Headers.Location?.ToString(), cookieNames), (outcome.StatusCode, await outcome.Content.ReadAsStringAsync(), headers));
    }
}
