using System.Net;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>
/// Issue 17 on the admin pages: destructive actions ask first (naming the user and the consequence), a fresh sign-in
/// counts as the step-up, and the audit log, usage page and help requests speak in usernames and readable names.
/// </summary>
public sealed class AdminForgivenessTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task EachDestructiveAction_OnlyShowsItsConfirmation_UntilTheConfirmationIsPosted()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        var (_, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;
        var passwordBefore = (await UserAsync(user.Id)).PasswordHash;

        foreach (var (handler, question) in new[]
        {
            ("ResetPassword", $"Reset the password of {user.UserName}?"),
            ("Revoke", $"Sign {user.UserName} out everywhere?"),
            ("Disable", $"Disable the account of {user.UserName}?"),
            ("External", $"Mark the password of {user.UserName} as managed elsewhere?"),
        })
        {
            await browser.OpenAsync($"admin/users/{user.Id}");
            await browser.SubmitAsync([], handler);
            Assert.Equal(HttpStatusCode.OK, browser.Page.StatusCode);
            Assert.Equal(question, browser.Heading);
            var page = HtmlForms.Parse(browser.Html);
            Assert.NotNull(page.QuerySelector($"form[action*='handler={handler}'] input[name='Confirmed'][value='true']"));
            Assert.NotNull(page.QuerySelector($"a[href='/admin/users/{user.Id}']"));
        }

        // Nothing ran: the same password, enabled, not managed elsewhere, no admin event.
        var untouched = await UserAsync(user.Id);
        Assert.Equal((passwordBefore, true, false), (untouched.PasswordHash, untouched.IsEnabled, untouched.PasswordManagedExternally));
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType is AuditEventTypes.AdminPasswordReset or AuditEventTypes.AdminSessionsRevoked
            or AuditEventTypes.AdminUserEnabledChanged or AuditEventTypes.AdminUserUpdated);

        // Confirmed: it runs.
        await browser.OpenAsync($"admin/users/{user.Id}");
        await browser.SubmitAsync([], "Disable");
        await browser.SubmitAsync([], "Disable");
        Assert.Contains("The account is disabled.", browser.Alert, StringComparison.Ordinal);
        Assert.False((await UserAsync(user.Id)).IsEnabled);
    }

    [Fact]
    public async Task AConfirmationInFrench_NamesTheUserAndTheConsequence()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        var (_, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;
        browser.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        await browser.OpenAsync($"admin/users/{user.Id}");
        await browser.SubmitAsync([], "Revoke");
        Assert.Equal($"Déconnecter {user.UserName} partout ?", browser.Heading);
        Assert.Contains("Annuler", browser.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignInWithinTheWindow_CountsAsTheStepUp_AnOlderOneDoesNot()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: StaffRoles.Administrator, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);

        // Signed in a moment ago, then set up the authenticator app in this session (a code from the app): no second ask.
        await SetAsync(admin.Id, authenticatorRegisteredAt: DateTimeOffset.UtcNow.AddSeconds(1), authenticatedAgo: TimeSpan.Zero);
        await browser.OpenAsync("admin/users");
        Assert.Equal("/admin/users", browser.Path);

        // The same sign-in 20 minutes on: the step-up asks again.
        await SetAsync(admin.Id, authenticatorRegisteredAt: null, authenticatedAgo: TimeSpan.FromMinutes(20));
        await browser.OpenAsync("admin/users");
        Assert.Equal("/admin/verify", browser.Path);
    }

    [Fact]
    public async Task ARememberedBrowser_SigningInAfresh_OpensAdministrationWithoutAnotherCode()
    {
        var (admin, first) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = first;
        // The first sign-in proved the app and remembered this browser; a second sign-in on it skips the second factor.
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = admin.UserName!, ["Input.Password"] = TestData.Password });
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow.AddSeconds(30)), rememberBrowser: true);
        Assert.NotEqual("/Account/SecondFactor", browser.Path);

        // A new session in the same browser: only the remembered-browser cookie is kept.
        var kept = new CookieContainer();
        foreach (Cookie cookie in browser.Cookies.GetAllCookies())
        {
            if (cookie.Name.Contains("mfa-browser", StringComparison.Ordinal))
            {
                kept.Add(cookie);
            }
        }

        using var again = new RecoveryBrowser(Idp, kept);
        await again.OpenAsync("Account/Login");
        await again.SubmitAsync(new() { ["Input.UserName"] = admin.UserName!, ["Input.Password"] = TestData.Password });
        Assert.NotEqual("/Account/SecondFactor", again.Path);
        await again.OpenAsync("admin/users");
        Assert.Equal("/admin/users", again.Path);
    }

    [Fact]
    public async Task TheAuditLog_ShowsUsernamesAndReadableNames_FiltersByUsernameOrEmail_AndSaysWhenNothingMatches()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = AuditEventTypes.RecoveryGatePassed, UserId = user.Id, Outcome = AuditLog.Success, Method = "AlternateEmail" });
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = AuditEventTypes.RecoveryOutcome, UserId = user.Id, Outcome = AuditLog.Failure, Reason = "not-enough-methods" });
            await db.SaveChangesAsync();
        }

        var (_, auditor) = await StaffSession.StartAsync(Idp, StaffRoles.Auditor);
        using var _ = auditor;
        foreach (var filter in new[] { user.UserName!, user.Email!.ToUpperInvariant(), user.Id })
        {
            await auditor.OpenAsync("admin/audit?user=" + Uri.EscapeDataString(filter));
            var rows = HtmlForms.Parse(auditor.Html).QuerySelectorAll("table.data tbody tr").Select(r => r.TextContent).ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.Contains(user.UserName!, r, StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("Self-service: verification passed", StringComparison.Ordinal) && r.Contains("Alternate email", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("Not enough recovery methods", StringComparison.Ordinal) && r.Contains("Failure", StringComparison.Ordinal));
            Assert.DoesNotContain("AlternateEmail", auditor.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("not-enough-methods", auditor.Text, StringComparison.Ordinal);
        }

        await auditor.OpenAsync("admin/audit?user=nobody-" + Guid.NewGuid().ToString("N"));
        Assert.Contains("No events match these filters.", auditor.Text, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(auditor.Html).QuerySelectorAll("table.data"));

        // From and To are read in the reader's zone, which the labels name; a time that can't be read is an error under its field.
        auditor.Cookies.Add(new Cookie(IdentityProvider.Localization.LocalTimes.CookieName, "Asia/Tokyo", "/", "localhost"));
        await auditor.OpenAsync("admin/audit?user=" + user.Id + "&From=" + Uri.EscapeDataString(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(-10), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("From (Asia/Tokyo time)", auditor.Text, StringComparison.Ordinal);
        Assert.Equal(2, HtmlForms.Parse(auditor.Html).QuerySelectorAll("table.data tbody tr").Length);
        await auditor.OpenAsync("admin/audit?From=yesterday");
        Assert.NotNull(HtmlForms.Parse(auditor.Html).QuerySelector("input#From[aria-invalid='true']"));
    }

    [Fact]
    public async Task HelpRequestsAndUsage_ShowReadableNames_AndEmptyStates()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = AuditEventTypes.RecoveryGatePassed, UserId = user.Id, Outcome = AuditLog.Success, Method = "AlternateEmail" });
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = AuditEventTypes.RecoveryOutcome, UserId = user.Id, Outcome = AuditLog.Failure, Reason = "not-enough-methods" });
            await db.SaveChangesAsync();
        }

        var (_, auditor) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = auditor;
        await auditor.OpenAsync("admin/usage?period=24h");
        var tables = HtmlForms.Parse(auditor.Html).QuerySelectorAll("figure.chart table");
        var passed = tables.Single(t => t.QuerySelector("caption")!.TextContent == "Verification passed, by method");
        Assert.Contains(passed.QuerySelectorAll("td"), td => td.TextContent == "Alternate email");
        var reasons = tables.Single(t => t.QuerySelector("caption")!.TextContent == "Top reasons self-service failed");
        Assert.Contains(reasons.QuerySelectorAll("td"), td => td.TextContent == "Not enough recovery methods");
        Assert.DoesNotContain("AlternateEmail", auditor.Text, StringComparison.Ordinal);

        await auditor.OpenAsync("admin/requests?resolved=true");
        Assert.True(HtmlForms.Parse(auditor.Html).QuerySelectorAll("table.data tbody tr").Length > 0 || auditor.Text.Contains("No resolved requests.", StringComparison.Ordinal));
        await auditor.OpenAsync("admin/users?q=" + Guid.NewGuid().ToString("N"));
        Assert.Contains("No users match this search.", auditor.Text, StringComparison.Ordinal);
    }

    private async Task<ApplicationUser> UserAsync(string id)
    {
        await using var scope = Idp.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(id))!;
    }

    private async Task SetAsync(string userId, DateTimeOffset? authenticatorRegisteredAt, TimeSpan authenticatedAgo)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.AuthenticatorRegisteredAt, authenticatorRegisteredAt));
        var at = DateTimeOffset.UtcNow - authenticatedAgo;
        await db.Set<UserSession>().Where(s => s.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(x => x.AuthenticatedAt, at));
    }
}
