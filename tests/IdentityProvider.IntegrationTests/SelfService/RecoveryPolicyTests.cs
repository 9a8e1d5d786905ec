using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The account checks, their pages, "contact an administrator", two gates and the administrator rules.</summary>
public sealed class RecoveryPolicyTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AnExternallyManagedPassword_GetsTheContactYourAdministratorPage()
    {
        await PolicyAsync();
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.PasswordManagedExternally, u.AlternateEmail) = (true, "x@home.example"));

        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);

        Assert.Equal("/recover/outcome", browser.Path);
        Assert.Equal("We can't reset your password here", browser.Heading);
        Assert.Contains("managed in another directory", browser.Text, StringComparison.Ordinal);
        Assert.Contains(HtmlForms.Parse(browser.Html).QuerySelectorAll("a"), a => a.TextContent.Trim() == "Contact an administrator");
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryOutcome && e.Reason == "managed-externally");
    }

    [Fact]
    public async Task ADisabledAccount_GetsTheNotEnabledPage_AndCannotResetItsPassword()
    {
        await PolicyAsync();
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.IsEnabled, u.AlternateEmail) = (false, "d@home.example"));

        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Equal("Self-service reset is not enabled for you", browser.Heading);
        await browser.OpenAsync("recover/password");

        Assert.Equal("/recover/outcome", browser.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryOutcome && e.Reason == "not-enabled");
    }

    [Fact]
    public async Task AUserOutsideTheEnabledGroups_GetsTheNotEnabledPage()
    {
        var group = "Enabled-" + Guid.NewGuid().ToString("N")[..6];
        var member = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "m@home.example", group: group);
        var outsider = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "o@home.example");
        await PolicyAsync(scope: SelfServiceScope.Selected, group: group);

        using var outside = await new RecoveryBrowser(Idp).StartAsync(outsider.UserName!);
        using var inside = await new RecoveryBrowser(Idp).StartAsync(member.UserName!);

        Assert.Equal("Self-service reset is not enabled for you", outside.Heading);
        Assert.Equal("/recover/reason", inside.Path);
    }

    [Fact]
    public async Task AUserWithoutRegisteredMethods_GetsTheCouldNotVerifyPage()
    {
        await PolicyAsync();
        var user = await RecoveryData.CreateUserAsync(Idp);

        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);

        Assert.Equal("We could not verify your account", browser.Heading);
    }

    [Fact]
    public async Task PrivateOutcomes_ShowOneGenericPage_ForAllThreeCases()
    {
        var group = "Private-" + Guid.NewGuid().ToString("N")[..6];
        await PolicyAsync(scope: SelfServiceScope.Selected, group: group, privateOutcomes: true);
        var external = await RecoveryData.CreateUserAsync(Idp, u => u.PasswordManagedExternally = true, group: group);
        var notEnabled = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "n@home.example");
        var unregistered = await RecoveryData.CreateUserAsync(Idp, group: group);

        var pages = new List<string>();
        foreach (var user in new[] { external, notEnabled, unregistered })
        {
            using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
            pages.Add(Enumeration.WithoutAntiforgery(browser.Html, user.UserName!));
        }

        Assert.Equal("We can't reset your password here", HtmlForms.Parse(pages[0]).QuerySelector("h1")!.TextContent);
        Assert.Equal(pages[0], pages[1]);
        Assert.Equal(pages[0], pages[2]);
    }

    [Fact]
    public async Task SelfServiceSwitchedOff_SaysSoOnTheStartPage()
    {
        await PolicyAsync(scope: SelfServiceScope.None);

        using var browser = await new RecoveryBrowser(Idp).OpenAsync("recover");

        Assert.Contains("not switched on for this service", browser.Text, StringComparison.Ordinal);
        Assert.Null(HtmlForms.Parse(browser.Html).QuerySelector("input[name='Input.UserId']"));
    }

    [Fact]
    public async Task ContactAnAdministrator_EmailsTheHelpdeskRole_AtMost100_AndOnlyOncePerJourney()
    {
        await PolicyAsync();
        await using (var scope = Idp.CreateScope())
        {
            // 101 helpdesk members: one too many for a single request.
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            var role = await db.Roles.SingleAsync(r => r.Name == "Helpdesk");
            for (var i = 0; i < 101; i++)
            {
                var id = Guid.NewGuid().ToString();
                db.Users.Add(new ApplicationUser { Id = id, UserName = "helper" + id[..8], NormalizedUserName = "HELPER" + id[..8].ToUpperInvariant(), Email = $"helper{i}@it.example", IsEnabled = true, SecurityStamp = id });
                db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { RoleId = role.Id, UserId = id });
            }

            await db.SaveChangesAsync();
        }

        var user = await RecoveryData.CreateUserAsync(Idp);
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.OpenAsync("recover/contact");
        await browser.SubmitAsync([]);
        Assert.Contains("Your request was sent", browser.Alert, StringComparison.Ordinal);
        await browser.OpenAsync("recover/contact");
        Assert.Contains("Your request was sent", browser.Alert, StringComparison.Ordinal);

        var requests = (await fixture.MessagesAsync("helpdesk-request")).Where(m => m.TextBody.Contains(user.UserName!, StringComparison.Ordinal)).ToList();
        Assert.Equal(100, requests.Count);
        Assert.Equal(100, requests.Select(r => r.Recipient).Distinct().Count());
        Assert.Contains("not registered enough recovery methods", requests[0].TextBody, StringComparison.Ordinal);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryContactedAdministrator);
    }

    [Fact]
    public async Task ContactAnAdministrator_GoesToTheConfiguredAddressOrPage()
    {
        await PolicyAsync(contact: "it-help@northwind.example");
        var user = await RecoveryData.CreateUserAsync(Idp);
        using (var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await browser.OpenAsync("recover/contact");
            await browser.SubmitAsync([]);
        }

        Assert.Single(await RecoveryData.MessagesToAsync(Idp, "it-help@northwind.example"), m => m.TextBody.Contains(user.UserName!, StringComparison.Ordinal));

        await PolicyAsync(contact: "https://help.northwind.example/sign-in");
        using var linked = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Contains(HtmlForms.Parse(linked.Html).QuerySelectorAll("a"), a => a.TextContent.Trim() == "Contact an administrator" && a.GetAttribute("href") == "https://help.northwind.example/sign-in");
    }

    [Fact]
    public async Task ContactAnAdministrator_ForAnUnknownUserId_LooksTheSame_AndSendsNothing()
    {
        await PolicyAsync(contact: "unknown-check@northwind.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync("nobody-" + Guid.NewGuid().ToString("N")[..8]);
        await browser.OpenAsync("recover/contact");
        await browser.SubmitAsync([]);

        Assert.Contains("Your request was sent", browser.Alert, StringComparison.Ordinal);
        Assert.Empty(await RecoveryData.MessagesToAsync(Idp, "unknown-check@northwind.example"));
    }

    [Fact]
    public async Task TwoGates_NeedTwoDifferentMethods_AndTextAndCallToOneMobileCountOnce()
    {
        await PolicyAsync(required: 2);
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400123777"));
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        Assert.Contains("Step 1 of 2", browser.Text, StringComparison.Ordinal);

        await browser.ChooseMethodAsync("MobileCall");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.MobilePhone!));
        Assert.Equal("/recover/verify", browser.Path);
        Assert.Contains("Step 2 of 2", browser.Text, StringComparison.Ordinal);
        var offered = HtmlForms.Parse(browser.Html).QuerySelectorAll("input[name=Method]").Select(i => i.GetAttribute("value")).ToList();
        Assert.Equal(["AlternateEmail"], offered);

        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task AnOnlyMobileUser_CannotPassTwoGates_WithTextAndCall()
    {
        await PolicyAsync(required: 2);
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.MobilePhone = "+447400123778");

        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);

        Assert.Equal("We could not verify your account", browser.Heading);
    }

    [Fact]
    public async Task Administrators_AlwaysNeedTwoMethods_AndNeverSecurityQuestions()
    {
        await PolicyAsync(required: 1);
        var emailOnly = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "a1@home.example", role: "Administrator");
        var emailAndQuestions = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "a2@home.example", questions: true, role: "Administrator");
        var emailAndApp = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "a3@home.example", authenticator: true, role: "Administrator");

        using var first = await new RecoveryBrowser(Idp).StartAsync(emailOnly.UserName!);
        using var second = await new RecoveryBrowser(Idp).StartAsync(emailAndQuestions.UserName!);
        using var third = await new RecoveryBrowser(Idp).StartAsync(emailAndApp.UserName!);

        Assert.Equal("We could not verify your account", first.Heading);
        Assert.Equal("We could not verify your account", second.Heading);
        await third.ChooseReasonAsync();
        Assert.Contains("Step 1 of 2", third.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdministratorsReset_TellsTheOtherAdministrators()
    {
        await PolicyAsync(required: 1);
        var other = await RecoveryData.CreateUserAsync(Idp, role: "Administrator");
        var admin = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", authenticator: true, role: "Administrator");

        using var browser = await new RecoveryBrowser(Idp).StartAsync(admin.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, admin.AlternateEmail!));
        await browser.ChooseMethodAsync("AuthenticatorApp");
        await browser.EnterAppCodeAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        await browser.NewPasswordAsync("Velvet-Orchard-Kettle-73");
        Assert.Equal("/recover/done", browser.Path);

        var notices = await RecoveryData.MessagesToAsync(Idp, other.Email!);
        Assert.Contains(notices, m => m.Template == "admin-password-reset" && m.TextBody.Contains(admin.UserName!, StringComparison.Ordinal));
        Assert.DoesNotContain(await RecoveryData.MessagesToAsync(Idp, admin.Email!), m => m.Template == "admin-password-reset");
    }

    [Fact]
    public async Task WhenUnlockWithoutResetIsOff_TheUnlockJourneyEndsWithANewPassword()
    {
        await PolicyAsync(unlockWithoutReset: false);
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");

        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Contains("choose a new password, which also unlocks", browser.Text, StringComparison.Ordinal);
        await browser.ChooseReasonAsync("Unlock");
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));

        Assert.Equal("/recover/password", browser.Path);
    }

    [Fact]
    public async Task ResetNotification_CanBeSwitchedOff()
    {
        await PolicyAsync(notifyUser: false);
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await browser.NewPasswordAsync("Velvet-Orchard-Kettle-73");

        Assert.Equal("/recover/done", browser.Path);
        Assert.DoesNotContain(await RecoveryData.MessagesToAsync(Idp, user.Email!), m => m.Template == "password-reset");
    }

    private async Task PolicyAsync(
        SelfServiceScope scope = SelfServiceScope.All,
        string? group = null,
        int required = 1,
        bool privateOutcomes = false,
        bool unlockWithoutReset = true,
        string? contact = null,
        bool notifyUser = true)
    {
        Guid? groupId = null;
        if (group is not null)
        {
            await using var services = Idp.CreateScope();
            var db = services.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            groupId = (await db.Set<Group>().FirstOrDefaultAsync(g => g.Name == group))?.Id;
            if (groupId is null)
            {
                var created = new Group { Name = group };
                db.Add(created);
                await db.SaveChangesAsync();
                groupId = created.Id;
            }
        }

        await RecoveryData.SetPolicyAsync(Idp, p =>
        {
            p.Scope = scope;
            p.Groups = groupId is { } id ? [id] : [];
            p.MethodsRequired = required;
            p.PrivateOutcomes = privateOutcomes;
            p.AllowUnlockWithoutReset = unlockWithoutReset;
            p.ContactAdministrator = contact;
            p.NotifyUserOnReset = notifyUser;
            p.NotifyAdministratorsOnAdminReset = true;
        });
    }
}
