using System.Text.Json;
using IdentityProvider.Data;
using IdentityProvider.EndToEndTests.Pages;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// People who cannot sign in get back in on their own. One class, so the stories that change the organisation's
/// self-service policy do not overlap with the others.
/// </summary>
[Collection(DemoOrganisation.Collection)]
public sealed class RecoveryStoryTests(BrowserFixture fixture)
{
    private const string NewPassword = "Lantern-Quarry-Thimble-64";

    [Fact]
    public async Task ForgotPassword_FromARelyingApp_ResetByEmailCode_ThenTheAppGetsItsTokens()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var page = await fixture.NewPageAsync();
        var recovery = new RecoveryPages(page);

        await page.GotoAsync(new Uri(fixture.Rp.BaseAddress, "login").ToString());
        await new LoginPage(page).CantAccessAccount.ClickAsync();
        await Assertions.Expect(recovery.Heading("Can't access your account?")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "recover-start");

        await recovery.StartAsync(user.UserName!);
        await Assertions.Expect(recovery.Heading("Why can't you sign in?")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await recovery.ChooseReasonAsync("I forgot my password");

        await Assertions.Expect(recovery.Method("Email me a code")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(Masking.Email(user.AlternateEmail!))).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "recover-methods");
        await recovery.ChooseMethodAsync("Email me a code");

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("We emailed a code");
        await UserStories.AssertAccessibleAsync(page);
        await recovery.EnterCodeAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, user.AlternateEmail!));

        await Assertions.Expect(recovery.Heading("Choose a new password")).ToBeVisibleAsync();
        await recovery.NewPassword.FillAsync("password1");
        await Assertions.Expect(page.Locator(".password-meter")).ToContainTextAsync("Not acceptable");
        await UserStories.AssertAccessibleAsync(page);
        await recovery.NewPasswordAsync(NewPassword);

        await Assertions.Expect(recovery.Heading("Your password was reset")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "recover-done");
        await recovery.SignIn.ClickAsync();

        await new LoginPage(page).SignInAsync(user.UserName!, NewPassword);
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(fixture.Rp.BaseAddress, "me").ToString());
        using var session = JsonDocument.Parse(await page.Locator("body").InnerTextAsync());
        Assert.StartsWith("ey", session.RootElement.GetProperty("idToken").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(session.RootElement.GetProperty("accessToken").GetString()));
        Assert.Equal(user.Id, session.RootElement.GetProperty("claims").GetProperty("sub")[0].GetString());
    }

    [Fact]
    public async Task LockedOut_UnlocksWithAnEmailCode_AndSignsInWithTheSamePassword()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var page = await fixture.NewPageAsync();
        var login = new LoginPage(page);
        await page.GotoAsync("/Account/Login");
        for (var i = 0; i < 10; i++)
        {
            await login.SignInAsync(user.UserName!, "Not-The-Password-" + i);
        }

        await login.SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sign-in from this browser is paused");
        await page.GetByRole(AriaRole.Link, new() { Name = "unlock your account now" }).ClickAsync();

        var recovery = new RecoveryPages(page);
        await recovery.StartAsync(user.UserName!);
        await recovery.ChooseReasonAsync("I know my password but still can't sign in");
        await recovery.ChooseMethodAsync("Email me a code");
        await recovery.EnterCodeAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, user.AlternateEmail!));

        await Assertions.Expect(recovery.Heading("Your account is unlocked")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await recovery.SignIn.ClickAsync();
        await login.SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TwoGates_TheAuthenticatorAppThenSecurityQuestions()
    {
        await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.MethodsRequired = 2);
        try
        {
            var user = await RecoveryData.CreateUserAsync(fixture.Idp, group: "Staff", questions: true, authenticator: true);
            var page = await fixture.NewPageAsync();
            var recovery = new RecoveryPages(page);
            await page.GotoAsync("/recover");
            await recovery.StartAsync(user.UserName!);
            await recovery.ChooseReasonAsync("I forgot my password");

            await Assertions.Expect(page.GetByText("Step 1 of 2")).ToBeVisibleAsync();
            await recovery.ChooseMethodAsync("Enter a code from my authenticator app");
            await recovery.AppCode.FillAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
            await UserStories.AssertAccessibleAsync(page);
            await recovery.Verify.ClickAsync();

            await Assertions.Expect(page.GetByText("Step 2 of 2")).ToBeVisibleAsync();
            await Assertions.Expect(recovery.Method("Enter a code from my authenticator app")).ToHaveCountAsync(0);
            await recovery.ChooseMethodAsync("Answer my security questions");
            var answers = RecoveryData.Answers.ToDictionary(a => SecurityQuestions.Predefined[a.QuestionId], a => a.Answer);
            var questions = page.Locator("input[name^='Answers[']");
            await Assertions.Expect(questions).ToHaveCountAsync(3);
            await UserStories.AssertAccessibleAsync(page);
            await UserStories.ScreenshotAsync(page, "recover-questions");
            foreach (var (question, answer) in answers)
            {
                var field = page.GetByLabel(question);
                if (await field.CountAsync() == 1)
                {
                    await field.FillAsync(answer);
                }
            }

            await recovery.Verify.ClickAsync();
            await Assertions.Expect(recovery.Heading("Choose a new password")).ToBeVisibleAsync();
            await recovery.NewPasswordAsync(NewPassword);
            await Assertions.Expect(recovery.Heading("Your password was reset")).ToBeVisibleAsync();
        }
        finally
        {
            await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.MethodsRequired = 1);
        }
    }

    [Fact]
    public async Task ANewUser_IsAskedToRegister_AddsEmailAndAnApp_ThenResetsWithBoth()
    {
        await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.MethodsRequired = 2);
        try
        {
            var user = await RecoveryData.CreateUserAsync(fixture.Idp, group: "Staff");
            var address = $"{user.UserName}@home.example";
            var page = await fixture.NewPageAsync();
            await page.GotoAsync(new Uri(fixture.Rp.BaseAddress, "login").ToString());
            await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);

            var info = new SecurityInfoPage(page);
            await Assertions.Expect(info.Heading).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Set up your recovery methods.");
            await UserStories.AssertAccessibleAsync(page);
            await UserStories.ScreenshotAsync(page, "security-info-register");

            await info.EmailAddress.FillAsync(address);
            await info.Add.First.ClickAsync();
            await info.Code.FillAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, address));
            await UserStories.AssertAccessibleAsync(page);
            await info.Verify.ClickAsync();
            await Assertions.Expect(page.GetByText("Your alternate email address is saved.")).ToBeVisibleAsync();

            await info.SetUpAuthenticator.ClickAsync();
            await Assertions.Expect(info.QrCode).ToBeVisibleAsync();
            await UserStories.AssertAccessibleAsync(page);
            await UserStories.ScreenshotAsync(page, "security-info-authenticator");
            var secret = (await info.Secret.TextContentAsync())!.Trim();
            await info.AppCode.FillAsync(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(-30)));
            await info.Confirm.ClickAsync();
            await Assertions.Expect(page.GetByText("Your authenticator app is set up.")).ToBeVisibleAsync();

            // Back to the relying app, which gets its tokens without a new sign-in.
            await info.Continue.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Uri(fixture.Rp.BaseAddress, "me").ToString());

            // Later: forgotten password, proved with both.
            var reset = await fixture.NewPageAsync();
            var recovery = new RecoveryPages(reset);
            await reset.GotoAsync("/recover");
            await recovery.StartAsync(user.UserName!);
            await recovery.ChooseReasonAsync("I forgot my password");
            await recovery.ChooseMethodAsync("Email me a code");
            await recovery.EnterCodeAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, address));
            await recovery.ChooseMethodAsync("Enter a code from my authenticator app");
            await recovery.AppCode.FillAsync(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow));
            await recovery.Verify.ClickAsync();
            await recovery.NewPasswordAsync(NewPassword);
            await Assertions.Expect(recovery.Heading("Your password was reset")).ToBeVisibleAsync();
        }
        finally
        {
            await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.MethodsRequired = 1);
        }
    }

    [Fact]
    public async Task NoMethods_ContactAnAdministrator_AndAnExpiredJourney_AreAccessible()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, group: "Staff");
        var page = await fixture.NewPageAsync();
        var recovery = new RecoveryPages(page);
        await page.GotoAsync("/recover");
        await recovery.StartAsync(user.UserName!);

        await Assertions.Expect(recovery.Heading("We could not verify your account")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Contact an administrator" }).ClickAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the request" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your request was sent");
        await UserStories.AssertAccessibleAsync(page);

        // An open journey's expired page sends it on to its step; a browser without one gets the page.
        var other = await fixture.NewPageAsync();
        await other.GotoAsync("/recover/expired");
        await Assertions.Expect(new RecoveryPages(other).Heading("Your time ran out")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(other);
    }

    [Fact]
    public async Task ForgotPassword_InFrench_OnAPhone_EveryPageFitsAndReadsInFrench()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Idp.BaseAddress.ToString(), Locale = "fr-FR", ViewportSize = new ViewportSize { Width = 375, Height = 800 },
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/recover?userName=" + Uri.EscapeDataString(user.UserName!));
        await Assertions.Expect(Heading(page, "Vous ne pouvez pas accéder à votre compte\u00a0?")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Nom d'utilisateur ou e\u2011mail")).ToHaveValueAsync(user.UserName!);
        await PhoneStepAsync(page, "fr-375-1-start");

        await page.GetByRole(AriaRole.Button, new() { Name = "Répondre plutôt à une question" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Nom d'utilisateur ou e\u2011mail")).ToHaveValueAsync(user.UserName!);
        var question = (await page.Locator("label[for='Input_CaptchaAnswer']").TextContentAsync())!.Trim();
        Assert.StartsWith("Combien font ", question, StringComparison.Ordinal);
        await PhoneStepAsync(page, "fr-375-2-question");
        await page.Locator("#Input_CaptchaAnswer").FillAsync(RecoveryData.AnswerCaptchaQuestion(question));
        await page.GetByRole(AriaRole.Button, new() { Name = "Suivant" }).ClickAsync();

        await Assertions.Expect(Heading(page, "Pourquoi ne pouvez-vous pas vous connecter\u00a0?")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(user.UserName!, new() { Exact = true })).ToBeVisibleAsync();
        await PhoneStepAsync(page, "fr-375-3-reason");
        await page.GetByRole(AriaRole.Radio, new() { NameRegex = new System.Text.RegularExpressions.Regex("^J'ai oublié mon mot de passe") }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Suivant" }).ClickAsync();

        await Assertions.Expect(Heading(page, "Prouvez votre identité")).ToBeVisibleAsync();
        await PhoneStepAsync(page, "fr-375-4-methods");
        await page.GetByRole(AriaRole.Radio, new() { NameRegex = new System.Text.RegularExpressions.Regex("^M'envoyer un code par e\u2011mail") }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Continuer" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Nous avons envoyé un code par e\u2011mail");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Renvoyer le code" }).First).ToBeDisabledAsync();
        await PhoneStepAsync(page, "fr-375-5-code");
        await page.GetByLabel("Code de vérification").FillAsync("123");
        await page.GetByRole(AriaRole.Button, new() { Name = "Vérifier" }).ClickAsync();
        await Assertions.Expect(page.Locator("#Code-error")).ToContainTextAsync("Le code comporte 8 chiffres");
        await Assertions.Expect(page.GetByLabel("Code de vérification")).ToBeFocusedAsync();
        await PhoneStepAsync(page, "fr-375-6-code-error");
        await page.GetByLabel("Code de vérification").FillAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, user.AlternateEmail!));
        await page.GetByRole(AriaRole.Button, new() { Name = "Vérifier" }).ClickAsync();

        await Assertions.Expect(Heading(page, "Choisissez un nouveau mot de passe")).ToBeVisibleAsync();
        await PhoneStepAsync(page, "fr-375-7-password");
        await page.Locator("#Input_NewPassword").FillAsync(NewPassword);
        await page.Locator("#Input_ConfirmPassword").FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Réinitialiser le mot de passe" }).ClickAsync();

        await Assertions.Expect(Heading(page, "Votre mot de passe a été réinitialisé")).ToBeVisibleAsync();
        await PhoneStepAsync(page, "fr-375-8-done");
        var signIn = await page.GetByRole(AriaRole.Link, new() { Name = "Se connecter", Exact = true }).GetAttributeAsync("href");
        Assert.StartsWith("/Account/Login?userName=" + Uri.EscapeDataString(user.UserName!), signIn, StringComparison.Ordinal);
        await context.CloseAsync();
    }

    [Fact]
    public async Task ForgotPassword_WithTheKeyboardOnly()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/recover?captcha=question");

        // The user ID field has the focus; Enter anywhere in the form goes on (not to the CAPTCHA's own buttons).
        await page.Keyboard.TypeAsync(user.UserName!);
        await page.Keyboard.PressAsync("Tab");
        var question = (await page.Locator("label[for='Input_CaptchaAnswer']").TextContentAsync())!.Trim();
        await page.Keyboard.TypeAsync(RecoveryData.AnswerCaptchaQuestion(question));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Heading(page, "Why can't you sign in?")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Radio, new() { NameRegex = new System.Text.RegularExpressions.Regex("^I forgot my password") }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Heading(page, "Verify it is you")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Radio, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Email me a code") }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByLabel("Verification code")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("12");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByLabel("Verification code")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, user.AlternateEmail!));
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(Heading(page, "Choose a new password")).ToBeVisibleAsync();
        await page.Locator("#Input_NewPassword").FocusAsync();
        await page.Keyboard.TypeAsync(NewPassword);
        await page.Locator("#Input_ConfirmPassword").FocusAsync(); // past the "show password" button
        await page.Keyboard.TypeAsync(NewPassword);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Heading(page, "Your password was reset")).ToBeVisibleAsync();
    }

    private static ILocator Heading(IPage page, string name) => page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 });

    /// <summary>A page of the walk: it fits and axe finds nothing at 375 px and 1280 px; then the phone screenshot.</summary>
    private static async Task PhoneStepAsync(IPage page, string screenshot)
    {
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.SetViewportSizeAsync(375, 800);
        await UserStories.ScreenshotAsync(page, screenshot);
    }
}
