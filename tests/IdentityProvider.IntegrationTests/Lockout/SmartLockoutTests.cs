using System.Diagnostics;
using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Lockout;

/// <summary>Smart lockout on two nodes sharing one database and one clock.</summary>
public sealed class SmartLockoutTests(LockoutFixture fixture) : IClassFixture<LockoutFixture>
{
    private const string GenericError = "That username or password is not right.";
    private const string PausedMessage = "Sign-in from this browser is paused";

    [Fact]
    public async Task TwoHundredParallelWrongPasswords_OnTwoNodes_CheckOnlyTheThreshold_AndCountExactly()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        var browsers = Enumerable.Range(0, 8).Select(i => new SignInBrowser(i % 2 == 0 ? fixture.NodeA : fixture.NodeB)).ToList();
        foreach (var browser in browsers)
        {
            await browser.PrepareAsync();
        }

        var checksBefore = fixture.Checks.Count;
        var attempts = Enumerable.Range(0, 200).Select(i => browsers[i % browsers.Count].SignInAsync(user.UserName!, $"Wrong-Guess-{i:D3}"));
        var results = await Task.WhenAll(attempts);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(10, results.Count(r => r.Html.Contains(GenericError, StringComparison.Ordinal)));
        Assert.Equal(190, results.Count(r => r.Html.Contains(PausedMessage, StringComparison.Ordinal)));
        Assert.InRange(fixture.Checks.Count - checksBefore, 1, 10);
        var counter = await CounterAsync(user.Id, familiar: false);
        Assert.Equal(10, counter.FailedCount);
        Assert.Equal(1, counter.Level);
        Assert.Equal(fixture.Clock.GetUtcNow().AddSeconds(60).ToUnixTimeMilliseconds(), counter.LockedUntil);
        Assert.Equal(1, await AuditCountAsync(user.Id, AuditEventTypes.AccountLocked));
        Assert.Equal(190, await AuditCountAsync(user.Id, AuditEventTypes.SignInFailed, "locked-out"));
        browsers.ForEach(b => b.Dispose());
    }

    [Fact]
    public async Task ThirtyParallelGuesses_WithTheRightPasswordAmongThem_CheckAtMostTen_AndTheRightOneGetsTheSameAnswerOnceLocked()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        var browsers = Enumerable.Range(0, 30).Select(i => new SignInBrowser(i % 2 == 0 ? fixture.NodeA : fixture.NodeB)).ToList();
        foreach (var browser in browsers)
        {
            await browser.PrepareAsync();
        }

        var checksBefore = fixture.Checks.Count;
        var wrong = Enumerable.Range(0, 29).Select(i => browsers[i].SignInAsync(user.UserName!, $"Parallel-Guess-{i:D2}")).ToList();

        // The right password arrives once every place before the lock is taken (the wrong ones may still be hashing).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await TryCounterAsync(user.Id, familiar: false))?.FailedCount is not >= 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "The wrong guesses never took ten places.");
            await Task.Delay(5);
        }

        var answer = await browsers[29].SignInAsync(user.UserName!, TestData.Password);
        var results = await Task.WhenAll(wrong);

        Assert.InRange(fixture.Checks.Count - checksBefore, 1, 10);
        Assert.Contains(PausedMessage, answer.Html, StringComparison.Ordinal);
        Assert.Contains(results, r => Normalize(r.Html, user.UserName!) == Normalize(answer.Html, user.UserName!));
        Assert.Equal(10, results.Count(r => r.Html.Contains(GenericError, StringComparison.Ordinal)));
        browsers.ForEach(b => b.Dispose());
    }

    [Fact]
    public async Task WhileLocked_NoPasswordIsChecked_AndRightAndWrongGetTheSameAnswer()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var stranger = new SignInBrowser(fixture.NodeB);
        for (var i = 0; i < 10; i++)
        {
            await stranger.SignInAsync(user.UserName!, $"Stranger-Guess-{i}");
        }

        var checksBefore = fixture.Checks.Count;
        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(Normalize((await stranger.SignInAsync(user.UserName!, $"Locked-Guess-{i}")).Html, user.UserName!));
        }

        answers.Add(Normalize((await stranger.SignInAsync(user.UserName!, TestData.Password)).Html, user.UserName!));

        Assert.Equal(checksBefore, fixture.Checks.Count);
        Assert.Single(answers.Distinct());
        Assert.Contains(PausedMessage, answers[0], StringComparison.Ordinal);
        Assert.Equal(6, await AuditCountAsync(user.Id, AuditEventTypes.SignInFailed, "locked-out"));
    }

    [Fact]
    public async Task EachFurtherLockout_DoublesItsLength_UpToOneHour()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var browser = new SignInBrowser(fixture.NodeB);
        for (var i = 0; i < 10; i++)
        {
            await browser.SignInAsync(user.UserName!, $"Wrong-{i}");
        }

        var lengths = new List<long>();
        for (var lockout = 0; lockout < 8; lockout++)
        {
            var counter = await CounterAsync(user.Id, familiar: false);
            var now = fixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            lengths.Add((counter.LockedUntil - now) / 1000);

            // While locked, a wrong password is not counted.
            await browser.SignInAsync(user.UserName!, $"While-Locked-{lockout}");
            Assert.Equal(counter.FailedCount, (await CounterAsync(user.Id, familiar: false)).FailedCount);

            fixture.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(counter.LockedUntil + 1000));
            await browser.SignInAsync(user.UserName!, $"After-Lockout-{lockout}");
        }

        Assert.Equal([60L, 120, 240, 480, 960, 1920, 3600, 3600], lengths);
    }

    [Fact]
    public async Task RightPasswordDuringLockout_ShowsTheLockoutPage_AndAfterItSignsInAndResets()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var browser = new SignInBrowser(fixture.NodeA);
        for (var i = 0; i < 10; i++)
        {
            await browser.SignInAsync(user.UserName!, $"Wrong-{i}");
        }

        var locked = await browser.SignInAsync(user.UserName!, TestData.Password);
        Assert.Contains(PausedMessage, locked.Html, StringComparison.Ordinal);
        Assert.Contains("unlock your account now", locked.Html, StringComparison.Ordinal);

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var signedIn = await browser.SignInAsync(user.UserName!, TestData.Password);
        Assert.Contains("You are signed in", signedIn.Html, StringComparison.Ordinal);
        var counter = await CounterAsync(user.Id, familiar: false);
        Assert.Equal((0, 0, 0L), (counter.FailedCount, counter.Level, counter.LockedUntil));
    }

    [Fact]
    public async Task RepeatingTheSameWrongPassword_CountsOnce()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var browser = new SignInBrowser(fixture.NodeA);

        for (var i = 0; i < 5; i++)
        {
            await browser.SignInAsync(user.UserName!, "Same-Typo-Every-Time");
        }

        await browser.SignInAsync(user.UserName!, "Another-Typo");
        await browser.SignInAsync(user.UserName!, "Same-Typo-Every-Time");

        Assert.Equal(2, (await CounterAsync(user.Id, familiar: false)).FailedCount);
    }

    [Fact]
    public async Task StrangersLockingTheAccount_DoNotLockTheUserOutOfTheirUsualBrowser()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        var usualCookies = new CookieContainer();
        using (var usual = new SignInBrowser(fixture.NodeA, usualCookies))
        {
            Assert.Contains("You are signed in", (await usual.SignInAsync(user.UserName!, TestData.Password)).Html, StringComparison.Ordinal);
            await usual.SignOutAsync();
        }

        using var attacker = new SignInBrowser(fixture.NodeB);
        for (var i = 0; i < 12; i++)
        {
            await attacker.SignInAsync(user.UserName!, $"Guess-{i}");
        }

        Assert.Contains(PausedMessage, (await attacker.SignInAsync(user.UserName!, TestData.Password)).Html, StringComparison.Ordinal);

        // The usual browser carries the familiar-device cookie and is counted apart.
        using var back = new SignInBrowser(fixture.NodeB, usualCookies);
        Assert.Contains("You are signed in", (await back.SignInAsync(user.UserName!, TestData.Password)).Html, StringComparison.Ordinal);
        Assert.Equal(10, (await CounterAsync(user.Id, familiar: false)).FailedCount);
    }

    [Fact]
    public async Task LockoutOnTheFamiliarBrowser_LocksTheWholeAccount_SoNoNewTokens()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        var cookies = new CookieContainer();
        using var browser = new SignInBrowser(fixture.NodeA, cookies);
        await browser.SignInAsync(user.UserName!, TestData.Password);
        await browser.SignOutAsync();

        for (var i = 0; i < 10; i++)
        {
            await browser.SignInAsync(user.UserName!, $"Own-Typo-{i}");
        }

        await using var scope = fixture.NodeA.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == user.Id);
        Assert.True(stored.LockoutEnd > fixture.Clock.GetUtcNow());
        Assert.Equal(1, await AuditCountAsync(user.Id, AuditEventTypes.AccountLocked));
    }

    [Fact]
    public async Task UnknownAccount_GetsTheSameAnswer_InTheSameTime()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var known = new SignInBrowser(fixture.NodeA);
        using var unknown = new SignInBrowser(fixture.NodeA);
        await known.SignInAsync(user.UserName!, "warm-up-1");
        await unknown.SignInAsync("nobody-here", "warm-up-1");

        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            // Alternate so that any drift of the machine hits both alike; stay under the lockout threshold.
            knownTimes.Add(await TimeAsync(() => known.SignInAsync(user.UserName!, $"Known-Wrong-{i}")));
            unknownTimes.Add(await TimeAsync(() => unknown.SignInAsync("nobody-" + i, $"Unknown-Wrong-{i}")));
        }

        var knownMedian = Median(knownTimes);
        var unknownMedian = Median(unknownTimes);
        Assert.True(Math.Abs(knownMedian - unknownMedian) < Math.Max(15, knownMedian * 0.5),
            $"known median {knownMedian:F1} ms, unknown median {unknownMedian:F1} ms");
    }

    private static async Task<double> TimeAsync(Func<Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)>> attempt)
    {
        var watch = Stopwatch.StartNew();
        var result = await attempt();
        watch.Stop();
        Assert.Contains(GenericError, result.Html, StringComparison.Ordinal);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    private async Task<LockoutCounter?> TryCounterAsync(string userId, bool familiar)
    {
        await using var scope = fixture.NodeA.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<LockoutCounter>().AsNoTracking()
            .SingleOrDefaultAsync(c => c.UserId == userId && c.Familiar == familiar);
    }

    private async Task<LockoutCounter> CounterAsync(string userId, bool familiar)
    {
        await using var scope = fixture.NodeA.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<LockoutCounter>().AsNoTracking()
            .SingleAsync(c => c.UserId == userId && c.Familiar == familiar);
    }

    private async Task<int> AuditCountAsync(string userId, string eventType, string? reason = null)
    {
        await using var scope = fixture.NodeA.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>()
            .CountAsync(e => e.UserId == userId && e.EventType == eventType && (reason == null || e.Reason == reason));
    }

    /// <summary>A sign-in page without what differs per request: anti-forgery token, typed name, the pause's end.</summary>
    private static string Normalize(string html, string userName)
    {
        html = System.Text.RegularExpressions.Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"", "token");
        return System.Text.RegularExpressions.Regex.Replace(html, "<time[^>]*>[^<]*</time>", "time").Replace(userName, "ID", StringComparison.Ordinal);
    }
}
