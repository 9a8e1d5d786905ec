using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>Signed-in users add, verify, change and remove their recovery methods on the security info page.</summary>
public sealed class SecurityInfoTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AlternateEmail_CountsOnlyOnceTheCodeSentToItComesBack_AndTheUserIsTold()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;
        var address = $"{user.UserName}@home.example";

        await browser.SubmitAsync(new() { ["NewEmail"] = address }, "Email");
        Assert.Contains("Enter the code", browser.Text, StringComparison.Ordinal);
        Assert.Null((await StoredAsync(user.Id)).AlternateEmail);

        await browser.SubmitAsync(new() { ["Code"] = "00000000" }, "Verify");
        Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        Assert.Null((await StoredAsync(user.Id)).AlternateEmail);

        await browser.SubmitAsync(new() { ["Code"] = await RecoveryData.LatestCodeAsync(Idp, address) }, "Verify");
        Assert.Contains("Your alternate email address is saved.", browser.Alert, StringComparison.Ordinal);
        var stored = await StoredAsync(user.Id);
        Assert.Equal(address, stored.AlternateEmail);
        Assert.NotNull(stored.AlternateEmailRegisteredAt);
        Assert.Contains("Yes.", browser.Text, StringComparison.Ordinal);

        // The notice goes to both addresses, through the real SMTP server.
        await WaitUntilAsync(() => fixture.Smtp.Received.Count(m => (m.Subject ?? string.Empty).Contains("recovery methods changed", StringComparison.Ordinal)
            && (m.To.ToString() == address || m.To.ToString() == user.Email)) == 2);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecurityInfoChanged && e.Method == "AlternateEmail" && e.Reason == "added");
    }

    [Fact]
    public async Task ChangingTheAlternateEmail_TellsTheOldAddressToo()
    {
        var (user, browser) = await SignedInAsync(u => u.AlternateEmail = "old-" + u.UserName + "@home.example");
        using var _ = browser;
        var newAddress = "new-" + user.UserName + "@home.example";

        await browser.SubmitAsync(new() { ["NewEmail"] = newAddress }, "Email");
        await browser.SubmitAsync(new() { ["Code"] = await RecoveryData.LatestCodeAsync(Idp, newAddress) }, "Verify");

        Assert.Contains(await RecoveryData.MessagesToAsync(Idp, "old-" + user.UserName + "@home.example"), m => m.Template == "security-info-changed");
        Assert.Contains(await RecoveryData.MessagesToAsync(Idp, newAddress), m => m.Template == "security-info-changed");
    }

    [Theory]
    [InlineData("text", IdentityProvider.Messaging.MessageChannel.Sms)]
    [InlineData("call", IdentityProvider.Messaging.MessageChannel.Voice)]
    public async Task MobilePhone_IsVerifiedByTextOrCall_AndStoredInE164(string channel, IdentityProvider.Messaging.MessageChannel expected)
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;

        await browser.SubmitAsync(new() { ["Region"] = "GB", ["NewMobile"] = "07400 123 555", ["Channel"] = channel }, "Mobile");
        var message = Assert.Single(await RecoveryData.MessagesToAsync(Idp, "+447400123555"), m => m.Channel == expected);
        await browser.SubmitAsync(new() { ["Code"] = RecoveryData.CodeIn(message.TextBody) }, "Verify");

        Assert.Equal("+447400123555", (await StoredAsync(user.Id)).MobilePhone);
    }

    [Fact]
    public async Task AnInvalidNumberOrAddress_IsAPlainError()
    {
        var (_, browser) = await SignedInAsync();
        using var __ = browser;

        await browser.SubmitAsync(new() { ["NewMobile"] = "12345" }, "Mobile");
        Assert.Contains("Enter a mobile number with its country code", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["NewEmail"] = "not-an-address" }, "Email");
        Assert.Contains("Enter an email address like", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["NewEmail"] = new string('a', 300) + "@x.example" }, "Email");
        Assert.Contains("too long", browser.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredCodeRequest_IsRefused()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.SubmitAsync(new() { ["NewEmail"] = $"{user.UserName}@home.example" }, "Email");

        await browser.SubmitAsync(new() { ["Code"] = "12345678", ["Pending"] = "tampered" }, "Verify");

        Assert.Contains("ran out", browser.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Methods_CanBeRemoved_AndTheOfficePhoneIsReadOnly()
    {
        var (user, browser) = await SignedInAsync(u => (u.AlternateEmail, u.MobilePhone, u.OfficePhone) = ("r@home.example", "+447400123556", "+441212345600"), authenticator: true);
        using var _ = browser;
        Assert.Contains("+441212345600", browser.Text, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("input[name=Method][value=OfficeCall]"));

        foreach (var method in new[] { "AlternateEmail", "MobileText" })
        {
            var form = HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Remove']")
                .First(f => f.QuerySelector("input[name=Method]")!.GetAttribute("value") == method);
            using var content = browser.FormContent(new() { ["Method"] = method }, "Remove");
            (await browser.Client.PostAsync(new Uri(Idp.BaseAddress, form.GetAttribute("action")), content)).Dispose();
        }

        // The app goes only with a code from the app itself.
        await browser.OpenAsync("Account/SecurityInfo");
        await RemoveAppAsync(browser, RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));

        var stored = await StoredAsync(user.Id);
        Assert.Equal((null, null, null, "+441212345600"), (stored.AlternateEmail, stored.MobilePhone, stored.AuthenticatorSecretProtected, stored.OfficePhone));
        Assert.Equal(3, (await fixture.AuditAsync(user.Id)).Count(e => e.EventType == AuditEventTypes.SecurityInfoChanged && e.Reason == "removed"));
    }

    [Fact]
    public async Task SecurityQuestions_FollowTheRules_AndAreStoredOnlyAsHashes()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        Dictionary<string, string> Set(string q0, string a0, string q1, string a1, string q2, string a2) => new()
        {
            ["QuestionIds[0]"] = q0, ["Answers[0]"] = a0, ["QuestionIds[1]"] = q1, ["Answers[1]"] = a1, ["QuestionIds[2]"] = q2, ["Answers[2]"] = a2,
        };

        await browser.SubmitAsync(Set("first-pet", "Biscuit", "first-pet", "Hillside", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("Choose a different question each time.", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(Set("first-pet", "Biscuit", "first-school", "biscuit ", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("Give a different answer to each question.", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(Set("first-pet", "Bo", "first-school", "Hillside", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("3 to 40 characters", browser.Alert, StringComparison.Ordinal);

        await browser.SubmitAsync(Set("first-pet", "Biscuit", "first-school", "Hillside", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("Your security questions are saved.", browser.Alert, StringComparison.Ordinal);

        await using var scope = Idp.CreateScope();
        var answers = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<SecurityAnswer>().Where(a => a.UserId == user.Id).ToListAsync();
        Assert.Equal(3, answers.Count);
        Assert.DoesNotContain(answers, a => a.AnswerHash.Contains("biscuit", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Biscuit", (await browser.OpenAsync("Account/SecurityInfo")).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOrganisationsOwnQuestion_CanBeChosen_AndAnsweredInAReset()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        var custom = HtmlForms.Parse(browser.Html).QuerySelectorAll("select[name='QuestionIds[0]'] option")
            .Single(o => o.TextContent == RecoveryFixture.CustomQuestion).GetAttribute("value")!;
        await browser.SubmitAsync(new()
        {
            ["QuestionIds[0]"] = custom, ["Answers[0]"] = "Morgan",
            ["QuestionIds[1]"] = "first-pet", ["Answers[1]"] = "Biscuit",
            ["QuestionIds[2]"] = "first-car", ["Answers[2]"] = "Blue Mini",
        }, "Questions");
        Assert.Contains("Your security questions are saved.", browser.Alert, StringComparison.Ordinal);

        using var reset = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await reset.ChooseReasonAsync();
        await reset.ChooseMethodAsync("SecurityQuestions");
        Assert.Contains(RecoveryFixture.CustomQuestion, reset.Text, StringComparison.Ordinal);
        await reset.AnswerQuestionsAsync(new Dictionary<string, string> { [custom] = "morgan", ["first-pet"] = "biscuit", ["first-car"] = "blue mini" });
        Assert.Equal("/recover/password", reset.Path);
    }

    [Fact]
    public async Task AuthenticatorApp_IsEnrolledWithItsFirstCode()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;

        await browser.SubmitAsync([], "AuthenticatorStart");
        var document = HtmlForms.Parse(browser.Html);
        Assert.StartsWith("data:image/png;base64,", document.QuerySelector("img.qr")!.GetAttribute("src"), StringComparison.Ordinal);
        var secret = document.QuerySelector("code.secret")!.TextContent.Trim();

        await browser.SubmitAsync(new() { ["Code"] = "000000" }, "Authenticator");
        Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        Assert.Equal(secret, HtmlForms.Parse(browser.Html).QuerySelector("code.secret")!.TextContent.Trim());

        var code = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow);
        await browser.SubmitAsync(new() { ["Code"] = code }, "Authenticator");
        Assert.Contains("Your authenticator app is set up.", browser.Alert, StringComparison.Ordinal);
        Assert.NotNull((await StoredAsync(user.Id)).AuthenticatorSecretProtected);
    }

    [Fact]
    public async Task TheSecurityInfoPage_NeedsASignIn()
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/SecurityInfo");

        Assert.Equal("/Account/Login", browser.Path);
    }

    [Fact]
    public async Task ReplacingOrRemovingTheApp_NeedsACodeFromTheAppInUse_SoAStolenPasswordCannotSwapIt()
    {
        var (user, browser) = await SignedInAsync(authenticator: true);
        using var _ = browser;
        var before = (await StoredAsync(user.Id)).AuthenticatorSecretProtected;

        await browser.SubmitAsync(new() { ["CurrentCode"] = string.Empty }, "AuthenticatorStart");
        Assert.Contains("enter a code from the app you use now", browser.Alert, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("img.qr"));
        await browser.OpenAsync("Account/SecurityInfo");
        await RemoveAppAsync(browser, "000000");
        Assert.Contains("enter a code from the app you use now", browser.Alert, StringComparison.Ordinal);

        Assert.Equal(before, (await StoredAsync(user.Id)).AuthenticatorSecretProtected);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecurityInfoChanged && e.Reason == "current-factor-wrong");

        // With a code from the app in use, a new app can be set up.
        await browser.OpenAsync("Account/SecurityInfo");
        await browser.SubmitAsync(new() { ["CurrentCode"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) }, "AuthenticatorStart");
        Assert.Single(HtmlForms.Parse(browser.Html).QuerySelectorAll("img.qr"));
    }

    [Fact]
    public async Task ASavedMessage_ShowsOnlyOnThePageRightAfterTheSave()
    {
        var (_, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        await browser.SubmitAsync(Questions("first-pet", "Biscuit", "first-school", "Hillside", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("Your security questions are saved.", browser.Alert, StringComparison.Ordinal);

        foreach (var later in new[] { "Account/SecurityInfo", "Account/SecurityInfo/Questions", "Account/SecurityInfo/Passkeys", "Account/SecurityInfo" })
        {
            await browser.OpenAsync(later);
            Assert.DoesNotContain("saved", browser.Alert, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheQuestionsPage_ShowsWhatIsRegistered_AndItsPickersStartOnDifferentQuestions()
    {
        var (_, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        var first = SelectedQuestions(browser);
        Assert.Equal(3, first.Distinct().Count());
        Assert.DoesNotContain("You answered these questions", browser.Text, StringComparison.Ordinal);
        Assert.Equal(35 + 1, HtmlForms.Parse(browser.Html).QuerySelectorAll("select[name='QuestionIds[0]'] option").Length);

        await browser.SubmitAsync(Questions("first-concert", "The Waterboys", "oldest-cousin", "Margarethe", "first-car", "Blue Mini"), "Questions");
        Assert.Contains("What was the first concert or live show you went to?", browser.Text, StringComparison.Ordinal);

        await browser.OpenAsync("Account/SecurityInfo/Questions");
        Assert.Contains("You answered these questions", browser.Text, StringComparison.Ordinal);
        Assert.Contains("What is the first name of your oldest cousin?", browser.Text, StringComparison.Ordinal);
        Assert.Equal(["first-concert", "oldest-cousin", "first-car"], SelectedQuestions(browser));
        Assert.All(HtmlForms.Parse(browser.Html).QuerySelectorAll("input[name^='Answers[']"), a => Assert.Null(a.GetAttribute("value")));
    }

    [Fact]
    public async Task AProblem_ShowsUnderItsField_AndKeepsWhatWasTyped_ExceptTheAnswers()
    {
        var (_, browser) = await SignedInAsync();
        using var _ = browser;
        await browser.OpenAsync("Account/SecurityInfo/Questions");

        await browser.SubmitAsync(Questions("first-pet", "Biscuit", "first-pet", "Hillside", "grandfather-job", "Bo"), "Questions");
        var page = HtmlForms.Parse(browser.Html);
        Assert.Contains("Choose a different question each time.", page.QuerySelector("#QuestionIds_1_-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("true", page.QuerySelector("#QuestionIds_1_")!.GetAttribute("aria-invalid"));
        Assert.Contains("3 to 40 characters", page.QuerySelector("#Answers_2_-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(["first-pet", "first-pet", "grandfather-job"], SelectedQuestions(browser));
        Assert.All(page.QuerySelectorAll("input[name^='Answers[']"), a => Assert.Null(a.GetAttribute("value")));

        // The address and number forms sit on the overview: the message goes under the field, which keeps its value.
        await browser.OpenAsync("Account/SecurityInfo");
        await browser.SubmitAsync(new() { ["NewEmail"] = "not-an-address" }, "Email");
        page = HtmlForms.Parse(browser.Html);
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Contains("Enter an email address like", page.QuerySelector("#NewEmail-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("not-an-address", page.QuerySelector("#NewEmail")!.GetAttribute("value"));
        await browser.SubmitAsync(new() { ["Region"] = "FR", ["NewMobile"] = "12", ["Channel"] = "call" }, "Mobile");
        page = HtmlForms.Parse(browser.Html);
        Assert.Contains("Enter a mobile number", page.QuerySelector("#NewMobile-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("12", page.QuerySelector("#NewMobile")!.GetAttribute("value"));
        Assert.Equal("FR", page.QuerySelector("#Region option[selected]")!.GetAttribute("value"));
        Assert.NotNull(page.QuerySelector("input[name=Channel][value=call][checked]"));

        // Once shown, the problem and the typed values are gone.
        await browser.OpenAsync("Account/SecurityInfo");
        Assert.Null(HtmlForms.Parse(browser.Html).QuerySelector("#NewMobile")!.GetAttribute("value"));
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll(".field-error"));
    }

    [Fact]
    public async Task EveryButtonOfSecurityInfo_HasItsOwnName()
    {
        var (user, browser) = await SignedInAsync(u => (u.AlternateEmail, u.MobilePhone) = ("b@home.example", "+447400123557"), authenticator: true);
        using var _ = browser;
        await RecoveryData.SetPolicyAsync(Idp, p => p.RegistrationRequired = false);
        await using (var scope = Idp.CreateScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
            await scope.ServiceProvider.GetRequiredService<SecurityQuestions>().ReplaceAsync(stored!, RecoveryData.Answers);
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        }

        foreach (var path in new[] { "Account/SecurityInfo", "Account/SecurityInfo/Questions", "Account/SecurityInfo/Passkeys", "Account/SecurityInfo/BackupCodes" })
        {
            await browser.OpenAsync(path);
            var names = HtmlForms.Parse(browser.Html).QuerySelectorAll("main button")
                .Select(b => b.GetAttribute("aria-label") ?? b.TextContent.Trim()).ToList();
            Assert.True(names.Count == names.Distinct(StringComparer.Ordinal).Count(), $"{path}: {string.Join(" | ", names)}");
            Assert.DoesNotContain("Add", names);
        }
    }

    [Fact]
    public async Task SecurityQuestions_AreInTheReadersLanguage_WhenChosen_AndWhenTheResetAsksThem()
    {
        var (user, browser) = await SignedInAsync();
        using var _ = browser;
        browser.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de");
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        Assert.Contains("Wählen Sie Ihre Sicherheitsfragen", browser.Text, StringComparison.Ordinal);
        var options = HtmlForms.Parse(browser.Html).QuerySelectorAll("select[name='QuestionIds[0]'] option").ToDictionary(o => o.GetAttribute("value")!, o => o.TextContent);
        Assert.Equal("Wie hieß Ihr erstes Haustier?", options["first-pet"]);
        Assert.Equal(RecoveryFixture.CustomQuestion, options[SecurityQuestions.CustomId(RecoveryFixture.CustomQuestion)]);

        await browser.SubmitAsync(Questions("first-pet", "Biscuit", "grandfather-job", "Schreiner", "first-film", "Bambi"), "Questions");
        Assert.Contains("Ihre Sicherheitsfragen sind gespeichert.", browser.Alert, StringComparison.Ordinal);
        Assert.Contains("Welchen Beruf hatte Ihr Großvater väterlicherseits?", browser.Text, StringComparison.Ordinal);

        using var reset = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await reset.ChooseReasonAsync();
        reset.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        await reset.ChooseMethodAsync("SecurityQuestions");
        Assert.Contains("Comment s'appelait votre premier animal de compagnie ?", reset.Text, StringComparison.Ordinal);
        Assert.Contains("Quel est le premier film que vous avez vu au cinéma ?", reset.Text, StringComparison.Ordinal);
        await reset.AnswerQuestionsAsync(new Dictionary<string, string> { ["first-pet"] = "biscuit", ["grandfather-job"] = "schreiner", ["first-film"] = "bambi" });
        Assert.Equal("/recover/password", reset.Path);
    }

    private static Dictionary<string, string> Questions(string q0, string a0, string q1, string a1, string q2, string a2) => new()
    {
        ["QuestionIds[0]"] = q0, ["Answers[0]"] = a0, ["QuestionIds[1]"] = q1, ["Answers[1]"] = a1, ["QuestionIds[2]"] = q2, ["Answers[2]"] = a2,
    };

    private static List<string> SelectedQuestions(RecoveryBrowser browser) =>
        [.. HtmlForms.Parse(browser.Html).QuerySelectorAll("select[name^='QuestionIds[']").Select(s => s.QuerySelector("option[selected]")?.GetAttribute("value") ?? "(none)")];

    /// <summary>Posts "Remove authenticator app" (a second submit button of the app's form) with a code from the app.</summary>
    private static Task<RecoveryBrowser> RemoveAppAsync(RecoveryBrowser browser, string code) =>
        browser.SubmitAsync(new() { ["CurrentCode"] = code, ["Method"] = "AuthenticatorApp" }, "AuthenticatorStart", button: "Remove authenticator app");

    private async Task<(ApplicationUser User, RecoveryBrowser Browser)> SignedInAsync(Action<ApplicationUser>? configure = null, bool authenticator = false)
    {
        await RecoveryData.SetPolicyAsync(Idp, p => p.RegistrationRequired = false);
        var user = await RecoveryData.CreateUserAsync(Idp, configure, authenticator: authenticator);
        var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/SecurityInfo");
        return (user, browser);
    }

    private async Task<ApplicationUser> StoredAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(userId))!;
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
