using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.Recovery;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The per-account limits, journey and code expiry, and "send again", with a clock the tests move.</summary>
public sealed class RecoveryThrottleTests(RecoveryClockFixture fixture) : IClassFixture<RecoveryClockFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    private Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task FiveFailedProofs_BlockSelfServiceFor24Hours_FromTheLastAttempt()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        for (var i = 0; i < 4; i++)
        {
            await browser.EnterCodeAsync("11111111");
            Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        }

        await browser.EnterCodeAsync("11111111");
        var expectedEnd = Clock.GetUtcNow().AddHours(24);
        Assert.Contains("Self-service is blocked for this account", browser.Text, StringComparison.Ordinal);
        Assert.Equal(expectedEnd.ToUnixTimeSeconds(), BlockEnd(browser).ToUnixTimeSeconds());
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryBlocked && e.Reason == RecoveryThrottle.FailedProof);

        // Blocked for a new journey too, until the time shown.
        Clock.Advance(TimeSpan.FromHours(23));
        using (var again = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            Assert.Contains("Self-service is blocked for this account", again.Text, StringComparison.Ordinal);
        }

        Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        using var later = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Equal("/recover/reason", later.Path);
    }

    [Fact]
    public async Task SixCallsInAnHour_AreOneTooMany()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.MobilePhone = "+447400123888");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("MobileCall");
        for (var i = 0; i < 4; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(11));
            await browser.ResendAsync();
            Assert.Contains("We are calling", browser.Alert, StringComparison.Ordinal);
        }

        Clock.Advance(TimeSpan.FromSeconds(11));
        await browser.ResendAsync();
        Assert.Contains("Self-service is blocked for this account", browser.Text, StringComparison.Ordinal);
        Assert.Equal(5, (await RecoveryData.MessagesToAsync(Idp, user.MobilePhone!)).Count);
    }

    [Fact]
    public async Task ElevenEmailsInTenMinutes_AreOneTooMany()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        for (var i = 0; i < 9; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(11));
            await browser.ResendAsync();
            Assert.Contains("We emailed a code", browser.Alert, StringComparison.Ordinal);
        }

        Clock.Advance(TimeSpan.FromSeconds(11));
        await browser.ResendAsync();
        Assert.Contains("Self-service is blocked for this account", browser.Text, StringComparison.Ordinal);
        Assert.Equal(10, (await RecoveryData.MessagesToAsync(Idp, user.AlternateEmail!)).Count(m => m.Template == "sspr-code"));
    }

    [Fact]
    public async Task SixJourneysForOneAccountInAnHour_AreOneTooMany()
    {
        var user = await EmailUserAsync();
        for (var i = 0; i < 5; i++)
        {
            using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
            Assert.Equal("/recover/reason", browser.Path);
        }

        using var sixth = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Contains("Self-service is blocked for this account", sixth.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASuccessfulReset_ClearsTheCounters()
    {
        var user = await EmailUserAsync();
        using (var browser = await BeginEmailGateAsync(user))
        {
            for (var i = 0; i < 4; i++)
            {
                await browser.EnterCodeAsync("22222222");
            }

            await browser.ResendAsyncAfter(Clock);
            await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
            await browser.NewPasswordAsync("Velvet-Orchard-Kettle-73");
            Assert.Equal("/recover/done", browser.Path);
        }

        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.False(await db.Set<RecoveryAttempt>().AnyAsync(a => a.Subject == user.Id));

        using var next = await BeginEmailGateAsync(user);
        await next.EnterCodeAsync("33333333");
        Assert.Contains("That code is not right", next.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJourney_EndsFifteenMinutesAfterItStarted()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);

        Clock.Advance(TimeSpan.FromMinutes(15));
        await browser.EnterCodeAsync(code);

        Assert.Equal("/recover/expired", browser.Path);
        Assert.Equal("Your time ran out", browser.Heading);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryExpired && e.Method == "AlternateEmail");
    }

    [Fact]
    public async Task ACode_StopsWorkingAfterFiveMinutes()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);

        Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await browser.EnterCodeAsync(code);

        Assert.Contains("can't be used any more", browser.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAgain_WaitsTenSeconds_AndOnlyTheNewCodeWorks()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        Assert.NotNull(HtmlForms.Parse(browser.Html).QuerySelector(".resend-wait + form.resend-ready[action*='handler=Resend']"));
        var first = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);

        await browser.ResendAsync();
        Assert.Contains("Wait a few seconds", browser.Alert, StringComparison.Ordinal);

        Clock.Advance(TimeSpan.FromSeconds(10));
        await browser.ResendAsync();
        var second = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        Assert.NotEqual(first, second);

        await browser.EnterCodeAsync(first);
        Assert.Equal("/recover/verify", browser.Path);
        await browser.EnterCodeAsync(second);
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task TheSweeper_MarksUnfinishedJourneysExpired_Once()
    {
        var user = await EmailUserAsync();
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Clock.Advance(TimeSpan.FromMinutes(16));

        await using (var scope = Idp.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<RecoveryJourneys>().SweepAsync();
            await scope.ServiceProvider.GetRequiredService<RecoveryJourneys>().SweepAsync();
        }

        // The server's own sweeper wakes up when the clock moves and may be the one that marks it: wait for its save.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await fixture.AuditAsync(user.Id)).Any(e => e.EventType == AuditEventTypes.RecoveryExpired) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(200);
        Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryExpired);
    }

    private static DateTimeOffset BlockEnd(RecoveryBrowser browser) =>
        DateTimeOffset.Parse(HtmlForms.Parse(browser.Html).QuerySelector("time")!.GetAttribute("datetime")!, CultureInfo.InvariantCulture);

    private Task<ApplicationUser> EmailUserAsync() => RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");

    private async Task<RecoveryBrowser> BeginEmailGateAsync(ApplicationUser user)
    {
        var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        return browser;
    }
}

/// <summary>The per-network limit of the start page.</summary>
public sealed class RecoveryNetworkLimitTests(RecoveryNetworkLimitFixture fixture) : IClassFixture<RecoveryNetworkLimitFixture>
{
    [Fact]
    public async Task TheStartPage_LimitsStartsPerNetwork()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = "net@home.example");

        // The limit counts per minute-long window: start at the beginning of one, so a busy machine's slow requests
        // do not straddle two windows.
        var intoWindow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 60_000;
        if (intoWindow > 20_000)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(60_000 - intoWindow + 100));
        }

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await new RecoveryBrowser(fixture.Idp).StartAsync(user.UserName!);
            Assert.Equal("/recover/reason", allowed.Path);
        }

        using var refused = await new RecoveryBrowser(fixture.Idp).StartAsync(user.UserName!);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.Page.StatusCode);
        Assert.Contains("Too many requests from your network", refused.Alert, StringComparison.Ordinal);
    }
}
