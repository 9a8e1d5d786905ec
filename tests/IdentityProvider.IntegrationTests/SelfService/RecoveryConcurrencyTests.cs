using IdentityProvider.Audit;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>Double submits and many nodes: a gate passes once, a password changes once, any node carries on a journey.</summary>
public sealed class RecoveryConcurrencyTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task FiftyParallelSubmissionsOfTheRightCode_PassTheGateOnce()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        var action = browser.FormAction("Code");

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var content = browser.FormContent(new() { ["Code"] = code }, "Code");
            using var response = await browser.Client.PostAsync(action, content);
            return ((int)response.StatusCode, response.RequestMessage!.RequestUri!.AbsolutePath);
        }));

        Assert.All(responses, r => Assert.True(r.Item1 < 500, $"A submission failed with {r.Item1}."));
        Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryGatePassed);
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryGateFailed);
        await browser.OpenAsync("recover/password");
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task TwentyParallelFinalSubmissions_ChangeThePasswordOnce()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Equal("/recover/password", browser.Path);
        var action = browser.FormAction();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var password = $"Velvet-Orchard-Kettle-{i:D2}x";
            using var content = browser.FormContent(new() { ["Input.NewPassword"] = password, ["Input.ConfirmPassword"] = password });
            using var response = await browser.Client.PostAsync(action, content);
            return ((int)response.StatusCode, response.RequestMessage!.RequestUri!.AbsolutePath);
        }));

        Assert.All(responses, r => Assert.Equal((200, "/recover/done"), r));
        Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryPasswordReset);
        Assert.Equal(2, (await RecoveryData.MessagesToAsync(Idp, user.Email!)).Count(m => m.Template == "password-reset")
            + (await RecoveryData.MessagesToAsync(Idp, user.AlternateEmail!)).Count(m => m.Template == "password-reset"));
    }

    [Fact]
    public async Task AJourneyStartedOnOneNode_FinishesOnAnother()
    {
        await using var second = await fixture.StartNodeAsync();
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var onFirst = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await onFirst.ChooseReasonAsync();
        await onFirst.ChooseMethodAsync("AlternateEmail");

        // The same browser (its cookies) now reaches the second node.
        using var onSecond = new RecoveryBrowser(second, onFirst.Cookies);
        await onSecond.OpenAsync("recover/verify");
        Assert.Contains("We emailed a code", onSecond.Alert, StringComparison.Ordinal);
        await onSecond.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await onSecond.NewPasswordAsync("Velvet-Orchard-Kettle-73");

        Assert.Equal("/recover/done", onSecond.Path);
        Assert.Equal(second.BaseAddress.Port, onSecond.Page.RequestMessage!.RequestUri!.Port);
    }
}
