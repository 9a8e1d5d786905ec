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

        await page.GotoAsync("/recover/expired");
        await Assertions.Expect(recovery.Heading("Your time ran out")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
    }
}
