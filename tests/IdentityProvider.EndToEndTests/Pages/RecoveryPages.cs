using System.Text.RegularExpressions;
using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests.Pages;

/// <summary>The pages of the self-service reset and unlock journey, found by role and label.</summary>
public sealed partial class RecoveryPages(IPage page)
{
    public ILocator Heading(string name) => page.GetByRole(AriaRole.Heading, new() { Name = name });

    public ILocator UserId => page.GetByLabel("Username or email");

    public ILocator CaptchaPicture => page.GetByRole(AriaRole.Img, new() { Name = "A picture of characters to type" });

    public ILocator AnswerAQuestionInstead => page.GetByRole(AriaRole.Button, new() { Name = "Answer a question instead" });

    public ILocator CaptchaQuestion => page.GetByLabel(SumQuestion());

    public ILocator Next => page.GetByRole(AriaRole.Button, new() { Name = "Next" });

    public ILocator Continue => page.GetByRole(AriaRole.Button, new() { Name = "Continue" });

    public ILocator Verify => page.GetByRole(AriaRole.Button, new() { Name = "Verify" });

    public ILocator Reason(string text) => page.GetByRole(AriaRole.Radio, new() { NameRegex = new Regex("^" + Regex.Escape(text)) });

    public ILocator Method(string label) => page.GetByRole(AriaRole.Radio, new() { NameRegex = new Regex("^" + Regex.Escape(label)) });

    public ILocator Code => page.GetByLabel("Verification code");

    public ILocator AppCode => page.GetByLabel("Code from your authenticator app");

    public ILocator NewPassword => page.GetByLabel("New password", new() { Exact = true });

    public ILocator ConfirmPassword => page.GetByLabel("Confirm new password");

    public ILocator ResetPassword => page.GetByRole(AriaRole.Button, new() { Name = "Reset password" });

    public ILocator SignIn => page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true });

    /// <summary>Fills the start page, answering the CAPTCHA's accessible question, and goes on.</summary>
    public async Task StartAsync(string userId)
    {
        await Assertions.Expect(CaptchaPicture).ToBeVisibleAsync();
        await AnswerAQuestionInstead.ClickAsync();
        await UserId.FillAsync(userId);
        var question = await page.Locator("label[for='Input_CaptchaAnswer']").TextContentAsync();
        await CaptchaQuestion.FillAsync(RecoveryData.AnswerCaptchaQuestion(question!.Trim()));
        await Next.ClickAsync();
    }

    public async Task ChooseReasonAsync(string reason)
    {
        await Reason(reason).CheckAsync();
        await Next.ClickAsync();
    }

    public async Task ChooseMethodAsync(string label)
    {
        await Method(label).CheckAsync();
        await Continue.ClickAsync();
    }

    public async Task EnterCodeAsync(string code)
    {
        await Code.FillAsync(code);
        await Verify.ClickAsync();
    }

    public async Task NewPasswordAsync(string password)
    {
        await NewPassword.FillAsync(password);
        await ConfirmPassword.FillAsync(password);
        await ResetPassword.ClickAsync();
    }

    [GeneratedRegex("^What is [a-z]+ plus [a-z]+\\?")]
    private static partial Regex SumQuestion();
}

/// <summary>The signed-in user's recovery methods page.</summary>
public sealed class SecurityInfoPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery methods" });

    public ILocator EmailAddress => page.GetByLabel("Email address", new() { Exact = true });

    public ILocator Add => page.GetByRole(AriaRole.Button, new() { Name = "Add email address", Exact = true });

    public ILocator Code => page.GetByLabel("Verification code");

    public ILocator Verify => page.GetByRole(AriaRole.Button, new() { Name = "Verify" });

    public ILocator SetUpAuthenticator => page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" });

    public ILocator QrCode => page.GetByRole(AriaRole.Img, new() { Name = "QR code to add this account to an authenticator app" });

    public ILocator Secret => page.Locator("code.secret");

    public ILocator AppCode => page.GetByLabel("Code from the app");

    public ILocator Confirm => page.GetByRole(AriaRole.Button, new() { Name = "Confirm" });

    public ILocator Continue => page.GetByRole(AriaRole.Button, new() { Name = "Done, continue" });
}
