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
        Assert.Equal(Enumeration.WithoutAntiforgery(knownPage.Body), Enumeration.WithoutAntiforgery(unknownPage.Body));
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

        // Interleaved, after a warm-up of each, so drift hits both alike.
        await TimeAsync(unregistered[^1]);
        await TimeAsync("user" + Guid.NewGuid().ToString("N")[..10]);
        for (var i = 0; i < Samples; i++)
        {
            known.Add(await TimeAsync(unregistered[i]));
            unknown.Add(await TimeAsync("user" + Guid.NewGuid().ToString("N")[..10]));
        }

        var (knownMedian, unknownMedian) = (Median(known), Median(unknown));
        var (knownUpper, unknownUpper) = (Quartile(known, 0.75), Quartile(unknown, 0.75));
        output.WriteLine($"start POST, {Samples} each: unregistered median {knownMedian:F1} ms / p75 {knownUpper:F1} ms; unknown median {unknownMedian:F1} ms / p75 {unknownUpper:F1} ms");
        var tolerance = Math.Max(5.0, 0.3 * Math.Max(knownMedian, unknownMedian));
        Assert.True(Math.Abs(knownMedian - unknownMedian) <= tolerance,
            $"Median start time: unregistered {knownMedian:F1} ms, unknown {unknownMedian:F1} ms (tolerance {tolerance:F1} ms).");
        Assert.True(Math.Abs(knownUpper - unknownUpper) <= 3 * tolerance,
            $"Upper quartile: unregistered {knownUpper:F1} ms, unknown {unknownUpper:F1} ms.");
    }

    private static double Median(List<double> values) => Quartile(values, 0.5);

    private static double Quartile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(q * (sorted.Count - 1))];
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
