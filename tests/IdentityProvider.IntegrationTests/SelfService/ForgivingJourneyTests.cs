using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.Recovery;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>
/// The journey forgives slips (issue 17): an expired or replaced journey says what happened and keeps the way back, the
/// typed user ID is on every page with a way to try another, tries left are shown, a code of the wrong shape or an older
/// code is pointed out without counting, the block page offers contact, and the CAPTCHA's alternatives keep the user ID.
/// </summary>
public sealed class ForgivingJourneyTests(RecoveryClockFixture fixture) : IClassFixture<RecoveryClockFixture>
{
    private const string ReturnUrl = "/Account/Manage?from=app";

    private IdentityProviderHost Idp => fixture.Idp;

    private Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task AnExpiredJourney_SaysSo_AndStartAgainKeepsTheReturnUrlAndTheUserId()
    {
        var user = await EmailUserAsync();
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!, ReturnUrl);
        await browser.ChooseReasonAsync();

        // The browser keeps the journey's cookie past the journey's end, so the expired page is reached, not a bare start.
        var cookie = browser.Cookies.GetAllCookies().Single(c => c.Name == RecoveryJourneys.CookieName);
        Assert.True(cookie.Expires > DateTime.Now.AddHours(1), $"The journey cookie ends at {cookie.Expires}.");

        Clock.Advance(TimeSpan.FromMinutes(16));
        await browser.OpenAsync("recover/verify");

        Assert.Equal("/recover/expired", browser.Path);
        Assert.Equal("Your time ran out", browser.Heading);
        Assert.Contains(user.UserName!, browser.Text, StringComparison.Ordinal);
        var startAgain = Link(browser, "Start again");
        Assert.Equal(RecoveryPageModel.StartUrl(ReturnUrl, user.UserName), startAgain);
        Assert.Equal("/Account/Login?userName=" + Uri.EscapeDataString(user.UserName!) + "&returnUrl=" + Uri.EscapeDataString(ReturnUrl), Link(browser, "Back to sign in"));

        await browser.OpenAsync(startAgain.TrimStart('/'));
        Assert.Equal(user.UserName, Value(browser, "Input.UserId"));
        Assert.Equal(ReturnUrl, Value(browser, "ReturnUrl"));
    }

    [Fact]
    public async Task ATypo_ShowsTheTypedUserId_WithTryADifferentUserId_AndContactSpeaksHonestly()
    {
        var typo = "jsmiht-" + Guid.NewGuid().ToString("N")[..6];
        using var browser = await new RecoveryBrowser(Idp).StartAsync(typo, ReturnUrl);

        Assert.Equal("/recover/outcome", browser.Path);
        Assert.Contains("User ID: " + typo, browser.Text, StringComparison.Ordinal);
        Assert.Equal(RecoveryPageModel.StartUrl(ReturnUrl, typo), Link(browser, "Try a different user ID"));

        await browser.OpenAsync("recover/contact");
        Assert.Contains(typo, browser.Text, StringComparison.Ordinal);
        await browser.SubmitAsync([]);
        Assert.Contains("Your request was sent if this user ID is right.", browser.Alert, StringComparison.Ordinal);
        var unknownAnswer = browser.Alert;

        // An account without methods gets the very same words.
        var known = await RecoveryData.CreateUserAsync(Idp);
        using var other = await new RecoveryBrowser(Idp).StartAsync(known.UserName!, ReturnUrl);
        await other.OpenAsync("recover/contact");
        await other.SubmitAsync([]);
        Assert.Equal(unknownAnswer, other.Alert);
    }

    [Fact]
    public async Task ASecondTab_ThatStartsAgain_IsNamed_AndTheFirstTabsPostChangesNothing()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400123777"));
        using var first = await new RecoveryBrowser(Idp).StartAsync(user.UserName!, ReturnUrl);
        await first.ChooseReasonAsync();
        Assert.Equal("/recover/verify", first.Path);

        // The second tab shares the cookies: its start page says a journey is open, and starting again replaces it.
        using var second = new RecoveryBrowser(Idp, first.Cookies);
        await second.OpenAsync("recover?captcha=question");
        Assert.Contains("You already started to get back into " + user.UserName + " in this browser.", second.Text, StringComparison.Ordinal);
        await second.StartAsync(user.UserName!, ReturnUrl);
        Assert.Equal("/recover/reason", second.Path);

        await first.ChooseMethodAsync("AlternateEmail");
        Assert.Equal("/recover/expired", first.Path);
        Assert.Equal("You started again in another tab", first.Heading);
        Assert.Equal("/recover/reason", Link(first, "Carry on with the newer attempt"));
        Assert.Empty(await RecoveryData.MessagesToAsync(Idp, user.AlternateEmail!));
    }

    [Fact]
    public async Task AWrongCode_ShowsTheTriesLeft_UnderTheField_AndKeepsWhatWasTyped()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);

        await browser.EnterCodeAsync("1111 1111");

        Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        Assert.Contains("You have 4 tries left.", browser.Text, StringComparison.Ordinal);
        var document = HtmlForms.Parse(browser.Html);
        Assert.Contains("That code is not right", document.QuerySelector("p.field-error#Code-error")!.TextContent, StringComparison.Ordinal);
        var input = document.QuerySelector("input[name=Code]")!;
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        Assert.Equal("1111 1111", input.GetAttribute("value"));
        // No success box beside the error.
        Assert.Empty(document.QuerySelectorAll(".alert-success"));

        await browser.EnterCodeAsync("22222222");
        Assert.Contains("You have 3 tries left.", browser.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123")]
    [InlineData("1234567")]
    [InlineData("12345678 9")]
    [InlineData("1234abcd")]
    public async Task ACodeOfTheWrongShape_IsPointedOut_AndNotCounted(string typed)
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);

        await browser.EnterCodeAsync(typed);

        Assert.Contains("The code has 8 digits", browser.Alert, StringComparison.Ordinal);
        Assert.DoesNotContain("tries left", browser.Text, StringComparison.Ordinal);
        Assert.Equal(0, await FailedProofsAsync(user));
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryGateFailed);

        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task AnOlderCode_AfterSendAgain_IsNamedAsSuch_AndNotCounted()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        var older = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        await browser.ResendAsyncAfter(Clock);
        var newest = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        Assert.NotEqual(older, newest);

        await browser.EnterCodeAsync(older);

        Assert.Contains("That code is from an earlier message", browser.Alert, StringComparison.Ordinal);
        Assert.Equal(0, await FailedProofsAsync(user));
        await browser.EnterCodeAsync(newest);
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task SendAgain_IsShownDisabledWithACountdown_ThenEnabled()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);

        var document = HtmlForms.Parse(browser.Html);
        Assert.NotNull(document.QuerySelector(".resend-wait button[disabled]"));
        Assert.Equal("10", document.QuerySelector(".resend-count")!.TextContent.Trim());
        Assert.NotNull(document.QuerySelector(".resend.resend-wait-10"));
        Assert.Contains(document.QuerySelectorAll("a"), a => a.TextContent.Trim() == "Contact your administrator");

        Clock.Advance(TimeSpan.FromSeconds(4));
        await browser.OpenAsync("recover/verify");
        Assert.NotNull(HtmlForms.Parse(browser.Html).QuerySelector(".resend.resend-wait-6"));

        Clock.Advance(TimeSpan.FromSeconds(7));
        await browser.OpenAsync("recover/verify");
        document = HtmlForms.Parse(browser.Html);
        Assert.Null(document.QuerySelector(".resend-wait"));
        Assert.NotNull(document.QuerySelector("form[action*='handler=Resend'] button:not([disabled])"));
    }

    [Fact]
    public async Task TheBlockPage_HasItsOwnHeading_AndOffersContact()
    {
        var user = await EmailUserAsync();
        using var browser = await BeginEmailGateAsync(user);
        for (var i = 0; i < 5; i++)
        {
            await browser.EnterCodeAsync("11111111");
        }

        Assert.Equal("Self-service is paused", browser.Heading);
        Assert.Contains("Self-service is blocked for this account", browser.Text, StringComparison.Ordinal);
        Assert.Equal(RecoveryPageModel.ContactPath, Link(browser, "Contact an administrator"));
        Assert.Contains(user.UserName!, browser.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCaptchaAlternatives_AreButtonsInTheForm_ThatKeepTheTypedUserId()
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?userName=someone.typed&returnUrl=" + Uri.EscapeDataString(ReturnUrl));
        Assert.Equal("someone.typed", Value(browser, "Input.UserId"));
        var document = HtmlForms.Parse(browser.Html);
        Assert.Empty(document.QuerySelectorAll("a[href*='captcha=']"));
        Assert.Contains(document.QuerySelectorAll("main form button[type=submit][name=change]"), b => b.TextContent.Trim() == "Answer a question instead");

        await browser.SubmitAsync(new() { ["Input.UserId"] = "someone.changed", ["change"] = "question" });

        Assert.Equal("/recover", browser.Path);
        Assert.Equal("someone.changed", Value(browser, "Input.UserId"));
        Assert.Equal(ReturnUrl, Value(browser, "ReturnUrl"));
        Assert.Matches("^What is [a-z]+ plus [a-z]+\\?", HtmlForms.Parse(browser.Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim());
        Assert.True(HtmlForms.Parse(browser.Html).QuerySelector("#form-errors") is null, "Switching the CAPTCHA is no error.");

        await browser.SubmitAsync(new() { ["change"] = "new" });
        Assert.Equal("someone.changed", Value(browser, "Input.UserId"));
        Assert.Matches("^What is", HtmlForms.Parse(browser.Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim());
    }

    [Fact]
    public async Task TheDonePage_SignsInWithTheUserIdAndTheReturnUrl()
    {
        var user = await EmailUserAsync();
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!, ReturnUrl);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        Assert.Contains("User ID: " + user.UserName, browser.Text, StringComparison.Ordinal);
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Contains("User ID: " + user.UserName, browser.Text, StringComparison.Ordinal);
        await browser.NewPasswordAsync("Velvet-Orchard-Kettle-73");

        Assert.Equal("/recover/done", browser.Path);
        Assert.Equal("/Account/Login?userName=" + Uri.EscapeDataString(user.UserName!) + "&returnUrl=" + Uri.EscapeDataString(ReturnUrl), Link(browser, "Sign in"));
    }

    [Fact]
    public async Task TheUnlockLink_ChoosesIKnowMyPassword()
    {
        var user = await EmailUserAsync();
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?reason=unlock&captcha=question&userName=" + Uri.EscapeDataString(user.UserName!));
        var question = HtmlForms.Parse(browser.Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        await browser.SubmitAsync(new() { ["Input.CaptchaAnswer"] = RecoveryData.AnswerCaptchaQuestion(question) });

        Assert.Equal("/recover/reason", browser.Path);
        Assert.NotNull(HtmlForms.Parse(browser.Html).QuerySelector("input[name=Choice][value=Unlock][checked]"));
    }

    [Fact]
    public async Task TheJourney_SpeaksFrench()
    {
        var user = await EmailUserAsync();
        using var browser = new RecoveryBrowser(Idp);
        browser.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        await browser.StartAsync(user.UserName!);

        Assert.Equal("Pourquoi ne pouvez-vous pas vous connecter\u00a0?", browser.Heading);
        Assert.StartsWith("fr", HtmlForms.Parse(browser.Html).DocumentElement.GetAttribute("lang"), StringComparison.Ordinal);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        Assert.Contains("Nous avons envoyé un code par e\u2011mail à", browser.Alert, StringComparison.Ordinal);
        await browser.EnterCodeAsync("123");
        Assert.Contains("Le code comporte 8 chiffres", browser.Alert, StringComparison.Ordinal);
    }

    private static string Link(RecoveryBrowser browser, string text) =>
        HtmlForms.Parse(browser.Html).QuerySelectorAll("main a").FirstOrDefault(a => a.TextContent.Trim() == text)?.GetAttribute("href")
            ?? throw new InvalidOperationException($"No link \"{text}\" on {browser.Path}:\n{browser.Text}");

    private static string? Value(RecoveryBrowser browser, string name) =>
        HtmlForms.Parse(browser.Html).QuerySelector($"main input[name='{name}']")?.GetAttribute("value");

    private async Task<int> FailedProofsAsync(ApplicationUser user)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        return await db.Set<RecoveryAttempt>().CountAsync(a => a.Subject == user.Id && a.Kind == RecoveryThrottle.FailedProof);
    }

    private Task<ApplicationUser> EmailUserAsync() => RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");

    private async Task<RecoveryBrowser> BeginEmailGateAsync(ApplicationUser user)
    {
        var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        return browser;
    }
}
