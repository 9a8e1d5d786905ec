using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The reset and unlock journey through the real pages, one verification method at a time.</summary>
public sealed class RecoveryJourneyTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private const string NewPassword = "Velvet-Orchard-Kettle-73";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task EmailCode_ResetsThePassword_AndOnlyTheNewPasswordSignsIn()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);

        await browser.StartAsync(user.UserName!);
        Assert.Equal("/recover/reason", browser.Path);
        await browser.ChooseReasonAsync();
        Assert.Equal("/recover/verify", browser.Path);
        Assert.Contains(SelfServiceMasked(user.AlternateEmail!), browser.Text, StringComparison.Ordinal);

        await browser.ChooseMethodAsync("AlternateEmail");
        Assert.Contains("We emailed a code to", browser.Alert, StringComparison.Ordinal);
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Equal("/recover/password", browser.Path);

        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);
        Assert.Equal("Your password was reset", browser.Heading);

        Assert.Equal("/", await SignInAsync(user.UserName!, NewPassword));
        Assert.Equal("/Account/Login", await SignInAsync(user.UserName!, TestData.Password));

        // "Your password was reset" goes to both addresses, through the real SMTP server.
        var delivered = await fixture.Smtp.WaitForAsync(1, TimeSpan.FromSeconds(20));
        await WaitUntilAsync(() => fixture.Smtp.Received.Count(m => (m.Subject ?? string.Empty).Contains("password was reset", StringComparison.Ordinal)
            && m.To.ToString().Contains(user.UserName!, StringComparison.Ordinal)) == 2);
        var notice = fixture.Smtp.Received.First(m => (m.Subject ?? string.Empty).Contains("password was reset", StringComparison.Ordinal) && m.To.ToString() == user.AlternateEmail);
        Assert.Contains("If this was not you", notice.TextBody, StringComparison.Ordinal);
        Assert.NotEmpty(delivered);

        var events = (await fixture.AuditAsync(user.Id)).Select(e => (e.EventType, e.Method)).ToList();
        Assert.Equal(
            [
                (AuditEventTypes.RecoveryStarted, null), (AuditEventTypes.RecoveryOutcome, null), (AuditEventTypes.RecoveryReasonChosen, null),
                (AuditEventTypes.RecoveryGateStarted, "AlternateEmail"), (AuditEventTypes.RecoveryGatePassed, "AlternateEmail"),
                (AuditEventTypes.RecoveryPasswordReset, null),
            ],
            events.Where(e => e.EventType.StartsWith("sspr.", StringComparison.Ordinal)).ToList());
    }

    [Fact]
    public async Task NoCodeOrAnswer_EverAppearsInTheAuditTrail()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", questions: true);
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        await browser.EnterCodeAsync("00000000");
        await browser.EnterCodeAsync(code);

        var events = await fixture.AuditAsync(user.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.RecoveryGateFailed && e.Reason == "wrong-code");
        Assert.DoesNotContain(events, e => $"{e.Reason} {e.Method} {e.UserAgent}".Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Text_NeedsTheWholeMobileNumberOnFile_BeforeTheCodeIsSent()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.MobilePhone = "+447400123321");
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        Assert.Contains("+44 •••• ••21", browser.Text, StringComparison.Ordinal);

        await browser.ChooseMethodAsync("MobileText");
        Assert.Contains("Your mobile number", browser.Html, StringComparison.Ordinal);
        await browser.EnterMobileNumberAsync("+447400123999");
        Assert.Contains("not the mobile number on your account", browser.Alert, StringComparison.Ordinal);
        Assert.Empty(await RecoveryData.MessagesToAsync(Idp, user.MobilePhone!));

        // The national form of the same number is the same number.
        await browser.EnterMobileNumberAsync("07400 123321");
        Assert.True(browser.Alert.Contains("We texted", StringComparison.Ordinal), browser.Path + " " + browser.Alert + browser.Text);
        var text = Assert.Single(await RecoveryData.MessagesToAsync(Idp, user.MobilePhone!));
        Assert.Equal(IdentityProvider.Messaging.MessageChannel.Sms, text.Channel);
        await browser.EnterCodeAsync(RecoveryData.CodeIn(text.TextBody));
        Assert.Equal("/recover/password", browser.Path);
    }

    [Theory]
    [InlineData("MobileCall")]
    [InlineData("OfficeCall")]
    public async Task Call_ReadsTheCodeOut_AndTheCodePasses(string method)
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.MobilePhone, u.OfficePhone) = ("+447400123654", "+441212345654"));
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync(method);

        Assert.Contains("We are calling", browser.Alert, StringComparison.Ordinal);
        var call = Assert.Single(await RecoveryData.MessagesToAsync(Idp, method == "MobileCall" ? user.MobilePhone! : user.OfficePhone!));
        Assert.Equal(IdentityProvider.Messaging.MessageChannel.Voice, call.Channel);
        await browser.EnterCodeAsync(RecoveryData.CodeIn(call.TextBody));
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task SecurityQuestions_AWrongAnswer_BringsAFreshPick_AndRightAnswersPass()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, questions: true);
        var answers = RecoveryData.Answers.ToDictionary(a => a.QuestionId, a => a.Answer);
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("SecurityQuestions");
        Assert.Equal(3, browser.QuestionIds.Count);

        var wrong = new Dictionary<string, string>(answers) { [browser.QuestionIds[0]] = "not it" };
        await browser.AnswerQuestionsAsync(wrong);
        Assert.Contains("At least one answer is not right", browser.Alert, StringComparison.Ordinal);
        Assert.Equal(3, browser.QuestionIds.Count);

        // Case and spacing do not matter.
        await browser.AnswerQuestionsAsync(answers.ToDictionary(a => a.Key, a => "  " + a.Value.ToUpperInvariant().Replace(" ", "   ", StringComparison.Ordinal)));
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task AuthenticatorCode_Passes_AndTheSameTimeStepIsNeverAcceptedAgain()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, authenticator: true);
        var code = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow);

        using var first = new RecoveryBrowser(Idp);
        await first.StartAsync(user.UserName!);
        await first.ChooseReasonAsync();
        await first.ChooseMethodAsync("AuthenticatorApp");
        await first.EnterAppCodeAsync(code);
        Assert.Equal("/recover/password", first.Path);

        using var second = new RecoveryBrowser(Idp);
        await second.StartAsync(user.UserName!);
        await second.ChooseReasonAsync();
        await second.ChooseMethodAsync("AuthenticatorApp");
        await second.EnterAppCodeAsync(code);
        Assert.Equal("/recover/verify", second.Path);
        Assert.Contains("already used", second.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_ClearsTheLockout_AndKeepsThePassword()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        await LockAsync(user);
        Assert.Contains("Sign-in from this browser is paused", await SignInHtmlAsync(user.UserName!, TestData.Password), StringComparison.Ordinal);
        string hashBefore = await PasswordHashAsync(user.Id);

        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync("Unlock");
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));

        Assert.Equal("/recover/done", browser.Path);
        Assert.Equal("Your account is unlocked", browser.Heading);
        Assert.Equal(hashBefore, await PasswordHashAsync(user.Id));
        Assert.Equal("/", await SignInAsync(user.UserName!, TestData.Password));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryUnlocked);
    }

    [Fact]
    public async Task Reset_AlsoClearsALockout()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        await LockAsync(user);

        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await browser.NewPasswordAsync(NewPassword);

        Assert.Equal("/", await SignInAsync(user.UserName!, NewPassword));
    }

    [Fact]
    public async Task NewPassword_BreakingThePolicy_ShowsAMessagePerRule_AndChangesNothing()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var hashBefore = await PasswordHashAsync(user.Id);
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));

        await browser.NewPasswordAsync("password");
        Assert.Equal("/recover/password", browser.Path);
        Assert.True(HtmlForms.Parse(browser.Html).QuerySelectorAll("#form-errors li").Length >= 1, browser.Alert);

        await browser.NewPasswordAsync(NewPassword, "Something-Else-Entirely-1");
        Assert.Contains("The two new passwords are not the same.", browser.Alert, StringComparison.Ordinal);

        // The user's current password cannot come back (history).
        await browser.NewPasswordAsync(TestData.Password);
        Assert.Equal("/recover/password", browser.Path);
        Assert.Equal(hashBefore, await PasswordHashAsync(user.Id));

        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);
    }

    [Fact]
    public async Task ReturnUrl_TravelsThroughTheJourney_ToTheSignInOfTheDonePage()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!, returnUrl: "/connect/authorize?client_id=app&state=s1");
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await browser.NewPasswordAsync(NewPassword);

        var signIn = HtmlForms.Parse(browser.Html).QuerySelectorAll("a").Single(a => a.TextContent.Trim() == "Sign in");
        Assert.Equal("/Account/Login?userName=" + Uri.EscapeDataString(user.UserName!) + "&returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dapp%26state%3Ds1", signIn.GetAttribute("href"));
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task ForgedReturnUrl_IsReplacedBeforeTheJourneyStarts(string forged)
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?returnUrl=" + Uri.EscapeDataString(forged));

        Assert.DoesNotContain("evil.example", browser.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", browser.Html, StringComparison.Ordinal);
        Assert.Equal("/", HtmlForms.Parse(browser.Html).QuerySelector("input[name=ReturnUrl]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task ARegisteredClientRedirect_IsAValidReturnUrl_OnlyExactly_QueryIncluded()
    {
        await TestData.RegisterClientAsync(Idp, "recovery-app-" + Guid.NewGuid().ToString("N")[..6], new Uri("https://app.example/signed-in"));
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?returnUrl=" + Uri.EscapeDataString("https://app.example/signed-in"));
        Assert.Equal("https://app.example/signed-in", HtmlForms.Parse(browser.Html).QuerySelector("input[name=ReturnUrl]")!.GetAttribute("value"));

        await browser.OpenAsync("recover?returnUrl=" + Uri.EscapeDataString("https://app.example/signed-in?from=reset"));
        Assert.Equal("/", HtmlForms.Parse(browser.Html).QuerySelector("input[name=ReturnUrl]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task WrongCaptcha_SaysSo_AndShowsANewChallenge()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?captcha=question");
        var firstChallenge = HtmlForms.Parse(browser.Html).QuerySelector("input[name='Input.CaptchaId']")!.GetAttribute("value");

        await browser.SubmitAsync(new() { ["Input.UserId"] = user.UserName!, ["Input.CaptchaAnswer"] = "999" });

        Assert.Equal("/recover", browser.Path);
        Assert.Contains("That answer is not right", browser.Alert, StringComparison.Ordinal);
        Assert.NotEqual(firstChallenge, HtmlForms.Parse(browser.Html).QuerySelector("input[name='Input.CaptchaId']")!.GetAttribute("value"));
        Assert.Equal(user.UserName, HtmlForms.Parse(browser.Html).QuerySelector("input[name='Input.UserId']")!.GetAttribute("value"));
        Assert.Contains(await fixture.AuditAsync(null), e => e.EventType == AuditEventTypes.RecoveryCaptchaFailed);
    }

    [Fact]
    public async Task TheImageCaptcha_IsAPicture_WithAWayToAQuestion_AndANewPicture()
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover");
        var document = HtmlForms.Parse(browser.Html);

        Assert.StartsWith("data:image/png;base64,", document.QuerySelector("img.captcha-image")!.GetAttribute("src"), StringComparison.Ordinal);
        Assert.Contains(document.QuerySelectorAll("main form button[name=change]"), b => b.TextContent.Trim() == "Answer a question instead" && b.GetAttribute("value") == "question");
        Assert.Contains(document.QuerySelectorAll("main form button[name=change]"), b => b.TextContent.Trim() == "Show a new picture" && b.GetAttribute("value") == "new");
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    public async Task MalformedStart_IsAPlainError_NotAServerError(string answer)
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?captcha=question");
        await browser.SubmitAsync(new() { ["Input.UserId"] = new string('a', 300), ["Input.CaptchaAnswer"] = answer });

        Assert.Equal("/recover", browser.Path);
        Assert.Contains("too long", browser.Alert, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recover/reason")]
    [InlineData("recover/verify")]
    [InlineData("recover/password")]
    [InlineData("recover/outcome")]
    [InlineData("recover/done")]
    public async Task PagesInsideAJourney_WithoutOne_GoToTheStart(string page)
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync(page);

        Assert.Equal("/recover", browser.Path);
    }

    [Fact]
    public async Task SkippingAhead_ToTheNewPassword_BeforeTheGates_IsNotPossible()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();

        await browser.OpenAsync("recover/password");
        Assert.Equal("/recover/verify", browser.Path);

        using var post = await browser.Client.PostAsync(new Uri("recover/password", UriKind.Relative), new FormUrlEncodedContent([new("Input.NewPassword", NewPassword), new("Input.ConfirmPassword", NewPassword)]));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, post.StatusCode);
    }

    [Fact]
    public async Task ChoosingAMethodTheUserHasNoDataFor_IsRefused()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();

        await browser.ChooseMethodAsync("MobileText");
        Assert.Contains("Choose one of the listed ways", browser.Alert, StringComparison.Ordinal);
        // A value no form offers is unusable input: a 400 page, before the page runs.
        await browser.ChooseMethodAsync("Nonsense");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, browser.Page.StatusCode);
        Assert.Contains("cannot read", browser.Text, StringComparison.Ordinal);
    }

    internal static string SelfServiceMasked(string email) => IdentityProvider.SelfService.Masking.Email(email);

    private async Task LockAsync(ApplicationUser user)
    {
        using var client = Idp.CreateClient();
        for (var i = 0; i < 12; i++)
        {
            using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
            (await HtmlForms.SignInAsync(client, page, user.UserName!, "Wrong-Password-" + i)).Dispose();
        }
    }

    private async Task<string> PasswordHashAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(userId))!.PasswordHash!;
    }

    private async Task<string> SignInAsync(string userName, string password)
    {
        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var response = await HtmlForms.SignInAsync(client, page, userName, password);
        return response.RequestMessage!.RequestUri!.AbsolutePath;
    }

    private async Task<string> SignInHtmlAsync(string userName, string password)
    {
        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var response = await HtmlForms.SignInAsync(client, page, userName, password);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the emails.");
            await Task.Delay(100);
        }
    }
}
