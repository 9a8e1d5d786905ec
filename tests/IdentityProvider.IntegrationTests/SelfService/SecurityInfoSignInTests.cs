using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>Re-authentication, the registration step at sign-in and re-confirmation, with a clock the tests move.</summary>
public sealed class SecurityInfoSignInTests(RecoveryClockFixture fixture) : IClassFixture<RecoveryClockFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AChange_MoreThanFiveMinutesAfterSignIn_AsksForThePasswordAgain()
    {
        await PolicyAsync(required: false);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/SecurityInfo");

        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        await browser.SubmitAsync(new() { ["NewEmail"] = $"{user.UserName}@home.example" }, "Email");
        Assert.Equal("/Account/Reauthenticate", browser.Path);
        Assert.Empty(await RecoveryData.MessagesToAsync(Idp, $"{user.UserName}@home.example"));

        await browser.SubmitAsync(new() { ["Password"] = "Not-The-Password-1" });
        Assert.Contains("That password is not right.", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["Password"] = TestData.Password });
        Assert.Equal("/Account/SecurityInfo", browser.Path);

        await browser.SubmitAsync(new() { ["NewEmail"] = $"{user.UserName}@home.example" }, "Email");
        Assert.Contains("Enter the code", browser.Text, StringComparison.Ordinal);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.Reauthenticated);
    }

    [Fact]
    public async Task ACodeEnteredAfterFiveMinutes_NoLongerAddsTheAddress()
    {
        await PolicyAsync(required: false);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/SecurityInfo");
        var address = $"{user.UserName}@home.example";
        await browser.SubmitAsync(new() { ["NewEmail"] = address }, "Email");
        var verify = browser.FormAction("Verify");
        using var late = browser.FormContent(new() { ["Code"] = await RecoveryData.LatestCodeAsync(Idp, address) }, "Verify");

        fixture.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await browser.OpenAsync("Account/Reauthenticate?returnUrl=%2FAccount%2FSecurityInfo");
        await browser.SubmitAsync(new() { ["Password"] = TestData.Password });
        using var response = await browser.Client.PostAsync(verify, late);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("can&#x27;t be used any more", html, StringComparison.Ordinal);
        await using var scope = Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdentityProvider.Data.ApplicationUser>>().FindByIdAsync(user.Id);
        Assert.Null(stored!.AlternateEmail);
    }

    [Fact]
    public async Task SignIn_WithTooFewMethods_IsInterruptedToRegister_ThenTheAuthorizationCompletes()
    {
        await PolicyAsync(required: true, skippable: false);
        var user = await RecoveryData.CreateUserAsync(Idp);
        var clientId = "si-app-" + Guid.NewGuid().ToString("N")[..6];
        var redirect = new Uri("https://app.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var authorize = QueryHelpers.AddQueryString("/connect/authorize", AuthorizationCodeClient.Request(clientId, redirect, challenge));

        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login?returnUrl=" + Uri.EscapeDataString(authorize));
        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Contains("Set up your recovery methods.", browser.Alert, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Skip']"));

        var address = $"{user.UserName}@home.example";
        await browser.SubmitAsync(new() { ["NewEmail"] = address }, "Email");
        await browser.SubmitAsync(new() { ["Code"] = await RecoveryData.LatestCodeAsync(Idp, address) }, "Verify");
        Assert.Contains("Yes.", browser.Text, StringComparison.Ordinal);

        using var noRedirects = Idp.CreateClient(followRedirects: false, cookies: browser.Cookies);
        using var content = browser.FormContent([], "Confirm");
        using var confirmed = await noRedirects.PostAsync(browser.FormAction("Confirm"), content);
        Assert.Equal(authorize, confirmed.Headers.Location!.OriginalString);

        using var resumed = await noRedirects.GetAsync(new Uri(authorize.TrimStart('/'), UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, resumed.StatusCode);
        Assert.StartsWith(redirect + "?code=", resumed.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequiredRegistration_HoldsBackTheCode_AndPromptNoneAnswersInteractionRequired()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        var clientId = "si-none-" + Guid.NewGuid().ToString("N")[..6];
        var redirect = new Uri("https://app.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await PolicyAsync(required: true, skippable: false);
        using var noRedirects = Idp.CreateClient(followRedirects: false, cookies: browser.Cookies);
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var authorize = AuthorizationCodeClient.Request(clientId, redirect, challenge);

        using var interactive = await noRedirects.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", authorize), UriKind.Relative));
        authorize["prompt"] = "none";
        using var silent = await noRedirects.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", authorize), UriKind.Relative));

        // The signed-in user has too few methods and the policy lets nobody skip: no code, whichever way the app asks.
        Assert.StartsWith(redirect + "?error=interaction_required", silent.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("/Account/SecurityInfo", interactive.Headers.Location!.OriginalString.Split('?')[0]);
    }

    [Fact]
    public async Task ASkippableRegistration_CanBeSkipped_AndIsAskedAgainNextTime()
    {
        await PolicyAsync(required: true, skippable: true);
        var user = await RecoveryData.CreateUserAsync(Idp);

        for (var time = 0; time < 2; time++)
        {
            using var browser = new RecoveryBrowser(Idp);
            await browser.OpenAsync("Account/Login?returnUrl=%2FAccount");
            await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
            Assert.Equal("/Account/SecurityInfo", browser.Path);
            await browser.SubmitAsync([], "Skip");
            Assert.Equal("/Account", browser.Path);
        }

        Assert.Equal(2, (await fixture.AuditAsync(user.Id)).Count(e => e.EventType == AuditEventTypes.SecurityInfoSkipped));
    }

    [Fact]
    public async Task AfterTheReconfirmInterval_SignInAsksWhetherTheMethodsAreStillRight()
    {
        await PolicyAsync(required: true, reconfirmDays: 180);
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.AlternateEmailRegisteredAt) = ("still@home.example", fixture.Clock.GetUtcNow()));

        Assert.Equal("/Account", await SignInPathAsync(user.UserName!));
        fixture.Clock.Advance(TimeSpan.FromDays(181));

        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login?returnUrl=%2FAccount");
        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Contains("Are these still right?", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync([], "Confirm");
        Assert.Equal("/Account", browser.Path);

        Assert.Equal("/Account", await SignInPathAsync(user.UserName!));
    }

    [Fact]
    public async Task ARequiredRegistration_CannotBeBypassedByGoingStraightToTheAuthorization()
    {
        await PolicyAsync(required: true, skippable: false);
        var user = await RecoveryData.CreateUserAsync(Idp);
        var clientId = "bypass-app-" + Guid.NewGuid().ToString("N")[..6];
        var redirect = new Uri("https://app.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var authorize = QueryHelpers.AddQueryString("connect/authorize", AuthorizationCodeClient.Request(clientId, redirect, challenge));

        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        using var noRedirects = Idp.CreateClient(followRedirects: false, cookies: browser.Cookies);
        using var response = await noRedirects.GetAsync(new Uri(authorize, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/SecurityInfo?step=register&returnUrl=%2Fconnect%2Fauthorize", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhatWasTyped_ComesBackAfterEnteringThePasswordAgain_ExceptSecrets()
    {
        await PolicyAsync(required: false);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        var address = $"{user.UserName}@home.example";

        // The address form is on the overview.
        await browser.OpenAsync("Account/SecurityInfo");
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        await browser.SubmitAsync(new() { ["NewEmail"] = address }, "Email");
        Assert.Equal("/Account/Reauthenticate", browser.Path);
        await browser.SubmitAsync(new() { ["Password"] = TestData.Password });
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Equal(address, HtmlForms.Parse(browser.Html).QuerySelector("#NewEmail")!.GetAttribute("value"));

        // The questions come back chosen on their own page; the answers are never kept.
        await browser.OpenAsync("Account/SecurityInfo/Questions");
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        await browser.SubmitAsync(new()
        {
            ["QuestionIds[0]"] = "first-album", ["Answers[0]"] = "Rumours",
            ["QuestionIds[1]"] = "childhood-game", ["Answers[1]"] = "Marbles",
            ["QuestionIds[2]"] = "first-mobile", ["Answers[2]"] = "Nokia 3310",
        }, "Questions");
        Assert.Equal("/Account/Reauthenticate", browser.Path);
        await browser.SubmitAsync(new() { ["Password"] = TestData.Password });
        Assert.Equal("/Account/SecurityInfo/Questions", browser.Path);
        var page = HtmlForms.Parse(browser.Html);
        Assert.Equal(["first-album", "childhood-game", "first-mobile"], page.QuerySelectorAll("select[name^='QuestionIds[']").Select(s => s.QuerySelector("option[selected]")?.GetAttribute("value")));
        Assert.DoesNotContain("Rumours", browser.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Rumours", browser.Cookies.GetAllCookies().Select(c => c.Value), StringComparer.Ordinal);
    }

    [Fact]
    public async Task OnceTheRequirementIsMet_OnlyDoneIsOffered_NotNotNow()
    {
        await PolicyAsync(required: true, skippable: true);
        var without = await RecoveryData.CreateUserAsync(Idp);
        using (var browser = new RecoveryBrowser(Idp))
        {
            await HtmlForms.SignInAsync(browser.Client, without.UserName!, TestData.Password);
            await browser.OpenAsync("Account/SecurityInfo?step=register&returnUrl=%2FAccount");
            Assert.Single(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Skip']"));
            Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Confirm']"));
        }

        var with = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.AlternateEmailRegisteredAt) = ("met@home.example", fixture.Clock.GetUtcNow()));
        using (var browser = new RecoveryBrowser(Idp))
        {
            await HtmlForms.SignInAsync(browser.Client, with.UserName!, TestData.Password);
            await browser.OpenAsync("Account/SecurityInfo?step=register&returnUrl=%2FAccount");
            Assert.Single(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Confirm']"));
            Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Skip']"));
        }
    }

    private async Task<string> SignInPathAsync(string userName)
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login?returnUrl=%2FAccount");
        await browser.SubmitAsync(new() { ["Input.UserName"] = userName, ["Input.Password"] = TestData.Password });
        return browser.Path;
    }

    private Task PolicyAsync(bool required, bool skippable = true, int reconfirmDays = 180) =>
        RecoveryData.SetPolicyAsync(Idp, p => (p.RegistrationRequired, p.RegistrationSkippable, p.ReconfirmDays) = (required, skippable, reconfirmDays));
}
