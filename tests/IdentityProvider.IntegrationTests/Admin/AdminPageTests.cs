using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>The admin pages: roles, the step-up, finding users, the account actions and the audit log.</summary>
public sealed class AdminPageTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AUserWithoutAStaffRole_IsRefused()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);

        await browser.OpenAsync("admin/users");

        Assert.Equal("/Account/AccessDenied", browser.Path);
    }

    [Fact]
    public async Task AdminPages_NeedAFreshProof_WithTheAuthenticatorWhenTheAdminHasOne()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);

        await browser.OpenAsync("admin/users");
        Assert.Equal("/admin/verify", browser.Path);
        Assert.Contains("Code from your authenticator app", browser.Text, StringComparison.Ordinal);

        await browser.SubmitAsync(new() { ["Secret"] = WrongCode() });
        Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        Assert.Equal("/admin/users", browser.Path);
        Assert.Contains(await fixture.AuditAsync(admin.Id), e => e.EventType == AuditEventTypes.AdminStepUp && e.Outcome == AuditLog.Failure);
    }

    [Fact]
    public async Task TheStepUp_NeverTakesThePassword_AndStaffWithoutAnAppAreSentToAddOne()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator");
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);

        await browser.OpenAsync("admin/users");
        Assert.Equal("/admin/verify", browser.Path);
        Assert.Contains("Add an authenticator app", browser.Text, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("input[name='Secret']"));
        var link = HtmlForms.Parse(browser.Html).QuerySelectorAll("a").Select(a => a.GetAttribute("href")).First(h => h!.StartsWith("/Account/SecurityInfo", StringComparison.Ordinal));

        // Posting the password anyway opens nothing.
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Secret"] = TestData.Password,
            [HtmlForms.AntiforgeryField] = await AntiforgeryTokenAsync(browser),
        });
        using var posted = await browser.Client.PostAsync(new Uri("admin/verify", UriKind.Relative), content);
        using var users = await browser.Client.GetAsync(new Uri("admin/users", UriKind.Relative));
        Assert.Equal("/admin/verify", users.RequestMessage!.RequestUri!.AbsolutePath);

        // The page links to security info, which offers the app to staff whatever self-service allows.
        await browser.OpenAsync(link!.TrimStart('/'));
        Assert.Contains("Set up an authenticator app", browser.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStaffAccountsFirstApp_NeedsACodeFromItsEmail_SoAPasswordAloneNeverOpensAdministration()
    {
        // Staff without an app (new, or after the helpdesk removed a lost one): whoever holds the password could
        // otherwise add their own app and pass the step-up with it.
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator");
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        var antiforgery = await AntiforgeryTokenAsync(browser);
        await browser.OpenAsync("Account/SecurityInfo");

        await browser.SubmitAsync([], "AuthenticatorStart");
        Assert.Contains("Check your email", browser.Text, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("img.qr, code.secret"));
        var code = await RecoveryData.LatestCodeAsync(Idp, admin.Email!);

        // Skipping the email step: the app's confirmation needs what only the email step hands out.
        using (var forged = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Pending"] = "forged",
            ["Code"] = "123456",
            [HtmlForms.AntiforgeryField] = antiforgery,
        }))
        using (var skipped = await browser.Client.PostAsync(new Uri("Account/SecurityInfo/Authenticator?handler=Authenticator", UriKind.Relative), forged))
        {
            Assert.Contains("took too long", await skipped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');
        await browser.SubmitAsync(new() { ["Code"] = wrong }, "AuthenticatorEmail");
        Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("img.qr"));

        await browser.SubmitAsync(new() { ["Code"] = code }, "AuthenticatorEmail");
        var secret = HtmlForms.Parse(browser.Html).QuerySelector("code.secret")!.TextContent.Trim();
        await browser.SubmitAsync(new() { ["Code"] = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow) }, "Authenticator");
        Assert.Contains("Your authenticator app is set up.", browser.Alert, StringComparison.Ordinal);

        await browser.OpenAsync("admin/users");
        await browser.SubmitAsync(new() { ["Secret"] = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30)) });
        Assert.Equal("/admin/users", browser.Path);
    }

    [Fact]
    public async Task WrongStepUpCodes_AreCountedAndLocked_LikePasswords()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("admin/verify");
        for (var i = 0; i < 10; i++)
        {
            await browser.SubmitAsync(new() { ["Secret"] = WrongCode() });
            Assert.Contains("That code is not right", browser.Alert, StringComparison.Ordinal);
        }

        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        Assert.Equal("/admin/verify", browser.Path);
        Assert.Contains("Code attempts are paused until", browser.Alert, StringComparison.Ordinal);
        Assert.Contains(await fixture.AuditAsync(admin.Id), e => e.EventType == AuditEventTypes.AccountLocked && e.Reason == "step-up");
    }

    /// <summary>A six-digit code that is none of the codes the test secret gives around now.</summary>
    private static string WrongCode()
    {
        var now = DateTimeOffset.UtcNow;
        var valid = new[] { -1, 0, 1, 2 }.Select(step => RecoveryData.AuthenticatorCode(now, step)).ToHashSet();
        return Enumerable.Range(0, 20).Select(i => (123456 + (i * 111111)) % 1000000).Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !valid.Contains(c));
    }

    private static async Task<string> AntiforgeryTokenAsync(RecoveryBrowser browser)
    {
        await browser.OpenAsync("Account");
        return HtmlForms.Parse(browser.Html).QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")!.GetAttribute("value")!;
    }

    [Fact]
    public async Task Users_AreFoundByNameOrEmail_AndPagedThroughThousands()
    {
        var marker = "pg" + Guid.NewGuid().ToString("N")[..6];
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            for (var i = 0; i < 5000; i++)
            {
                var id = Guid.NewGuid().ToString();
                var name = $"{marker}-{i:D4}";
                db.Users.Add(new ApplicationUser
                {
                    Id = id, UserName = name, NormalizedUserName = name.ToUpperInvariant(), Email = name + "@bulk.example",
                    NormalizedEmail = (name + "@bulk.example").ToUpperInvariant(), GivenName = "Bulk", FamilyName = "User " + i, SecurityStamp = id,
                });
            }

            await db.SaveChangesAsync();
        }

        using var browser = await AdminAsync("Helpdesk");
        await browser.OpenAsync($"admin/users?q={marker}");
        Assert.Contains("5000 users found. Page 1 of 100.", browser.Text, StringComparison.Ordinal);
        Assert.Equal($"{marker}-0000", FirstUser(browser));

        await browser.OpenAsync($"admin/users?q={marker}&p=100");
        Assert.Equal($"{marker}-4950", FirstUser(browser));
        Assert.Equal(50, HtmlForms.Parse(browser.Html).QuerySelectorAll("table.data tbody tr").Length);

        await browser.OpenAsync($"admin/users?q={marker.ToUpperInvariant()}-1234");
        Assert.Equal($"{marker}-1234", FirstUser(browser));
        await browser.OpenAsync("admin/users?q=" + new string('x', 300));
        Assert.Contains("at most 200 characters", browser.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdminReset_ShowsATemporaryPasswordOnce_AndForcesAChangeAtTheNextSignIn()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = await AdminAsync("Helpdesk");
        await browser.OpenAsync($"admin/users/{user.Id}");
        await browser.SubmitAsync([], "ResetPassword");
        await browser.SubmitAsync([], "ResetPassword");
        var temporary = HtmlForms.Parse(browser.Html).QuerySelector("code.secret")!.TextContent.Trim();
        Assert.Matches("^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$", temporary);

        await browser.OpenAsync($"admin/users/{user.Id}");
        Assert.DoesNotContain(temporary, browser.Html, StringComparison.Ordinal);

        using var signIn = new RecoveryBrowser(Idp);
        await signIn.OpenAsync("Account/Login");
        await signIn.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = temporary });
        Assert.Equal("/Account/ForcedChange", signIn.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminPasswordReset);
    }

    [Fact]
    public async Task TheHelpdesk_CannotActOnAnAdministrator_AndTheLastAdministratorStaysEnabled()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using (var helpdesk = await AdminAsync("Helpdesk"))
        {
            await helpdesk.OpenAsync($"admin/users/{admin.Id}");
            Assert.Equal(HttpStatusCode.Forbidden, helpdesk.Page.StatusCode);
            Assert.Contains("Only administrators can see or change an account that holds a staff role.", helpdesk.Text, StringComparison.Ordinal);
            await helpdesk.OpenAsync("Account");
            using var content = helpdesk.FormContent([], "SignOutEverywhere");
            using var forced = await helpdesk.Client.PostAsync(new Uri($"admin/users/{admin.Id}?handler=ResetPassword", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.Forbidden, forced.StatusCode);
        }

        // Every administrator but one disabled: that one cannot be disabled.
        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            foreach (var other in await users.GetUsersInRoleAsync("Administrator"))
            {
                other.IsEnabled = other.Id == admin.Id;
                await users.UpdateAsync(other);
            }
        }

        using var self = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, self, admin);
        await self.OpenAsync("admin/verify?returnUrl=%2Fadmin%2Fusers%2F" + admin.Id);
        await self.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        await self.SubmitAsync([], "Disable");
        await self.SubmitAsync([], "Disable");
        Assert.Equal(HttpStatusCode.Conflict, self.Page.StatusCode);
        Assert.Contains("last enabled administrator", self.Alert, StringComparison.Ordinal);
        await using var check = Idp.CreateScope();
        Assert.True((await check.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(admin.Id))!.IsEnabled);
    }

    [Fact]
    public async Task UnlockAndDisable_TakeEffect_AndAreAudited()
    {
        var user = await TestData.CreateUserAsync(Idp);
        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var stored = await users.FindByIdAsync(user.Id);
            await users.SetLockoutEndDateAsync(stored!, DateTimeOffset.UtcNow.AddHours(1));
        }

        using var browser = await AdminAsync("Administrator");
        await browser.OpenAsync($"admin/users/{user.Id}");
        Assert.Contains("Locked until", browser.Text, StringComparison.Ordinal);
        await browser.SubmitAsync([], "Unlock");
        Assert.Contains("The account is unlocked.", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync([], "Disable");
        await browser.SubmitAsync([], "Disable");
        Assert.Contains("The account is disabled.", browser.Alert, StringComparison.Ordinal);

        using var signIn = new RecoveryBrowser(Idp);
        await signIn.OpenAsync("Account/Login");
        await signIn.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        Assert.Equal("/Account/Login", signIn.Path);
        var events = await fixture.AuditAsync(user.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.AdminUnlocked);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.AdminUserEnabledChanged && e.Reason!.EndsWith("enabled True → False", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheAuditLog_IsFilteredAndExported_ButOnlyForAdministratorsAndAuditors()
    {
        var user = await TestData.CreateUserAsync(Idp);
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = "sign-in.failed", UserId = user.Id, Outcome = "failure", Reason = "=cmd|' /C calc'!A0", ClientIp = "203.0.113.9" });
            db.Add(new AuditEvent { Time = DateTimeOffset.UtcNow, EventType = "sign-in.succeeded", UserId = user.Id, Outcome = "success", ClientIp = "203.0.113.9" });
            await db.SaveChangesAsync();
        }

        using (var helpdesk = await AdminAsync("Helpdesk"))
        {
            await helpdesk.OpenAsync("admin/audit");
            Assert.Equal("/Account/AccessDenied", helpdesk.Path);
        }

        using var auditor = await AdminAsync("Auditor");
        await auditor.OpenAsync($"admin/audit?user={user.Id}&Outcome=failure");
        Assert.True(HtmlForms.Parse(auditor.Html).QuerySelectorAll("table.data tbody tr").Length == 1, auditor.Path + auditor.Text);

        using var csv = await auditor.Client.GetAsync(new Uri($"admin/audit?handler=Csv&user={user.Id}&ip=203.0.113.9", UriKind.Relative));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,event_type,user_id,outcome,reason,method,client_ip,user_agent,actor_id,trace_id", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(",'=cmd|' /C calc'!A0,", lines[2], StringComparison.Ordinal);

        await auditor.OpenAsync("admin/audit?From=2026-12-01T00:00:00Z&To=2026-11-01T00:00:00Z");
        Assert.Contains("The start of the period is after its end.", auditor.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHelpRequestRaisedFromTheResetPages_IsAssignedAndResolvedByTheHelpdesk()
    {
        await RecoveryData.SetPolicyAsync(Idp, p => p.ContactAdministrator = null);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await journey.OpenAsync("recover/contact");
            await journey.SubmitAsync([]);
        }

        using var helpdesk = await AdminAsync("Helpdesk");
        await helpdesk.OpenAsync("admin/requests");
        var link = HtmlForms.Parse(helpdesk.Html).QuerySelectorAll("table.data tbody tr")
            .Single(r => r.TextContent.Contains(user.UserName!, StringComparison.Ordinal)).QuerySelector("a")!.GetAttribute("href")!;
        await helpdesk.OpenAsync(link.TrimStart('/'));
        Assert.Contains("Not enough recovery methods", helpdesk.Text, StringComparison.Ordinal);
        Assert.Contains("Self-service: asked for help", helpdesk.Text, StringComparison.Ordinal);

        await helpdesk.SubmitAsync([], "Assign");
        Assert.Contains("The request is assigned to you.", helpdesk.Alert, StringComparison.Ordinal);
        await helpdesk.SubmitAsync(new() { ["Resolution"] = "" }, "Resolve");
        Assert.Contains("Say what you did", helpdesk.Alert, StringComparison.Ordinal);
        await helpdesk.SubmitAsync(new() { ["Resolution"] = "Called back, checked ID, reset the password." }, "Resolve");
        Assert.Contains("The request is resolved.", helpdesk.Alert, StringComparison.Ordinal);

        await helpdesk.OpenAsync("admin/requests");
        Assert.DoesNotContain(user.UserName!, helpdesk.Text, StringComparison.Ordinal);
        var events = await fixture.AuditAsync(user.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.HelpdeskRequestAssigned);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.HelpdeskRequestResolved);
    }

    [Fact]
    public async Task TheSelfServicePolicy_IsEditedByAdministrators_WithEachChangeAudited()
    {
        using (var helpdesk = await AdminAsync("Helpdesk"))
        {
            await helpdesk.OpenAsync("admin/policies/self-service");
            Assert.Equal("/Account/AccessDenied", helpdesk.Path);
        }

        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("admin/verify?returnUrl=%2Fadmin%2Fpolicies%2Fself-service");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        Assert.Equal("/admin/policies/self-service", browser.Path);

        await browser.SubmitAsync(new() { ["Input.Scope"] = "Selected", ["Input.QuestionsToReset"] = "5", ["Input.QuestionsToRegister"] = "3" });
        Assert.Contains("Choose at least one group", browser.Alert, StringComparison.Ordinal);
        Assert.Contains("A reset cannot ask more questions than users register.", browser.Alert, StringComparison.Ordinal);

        var before = await PolicyAsync();
        await browser.OpenAsync("admin/policies/self-service");
        await browser.SubmitAsync(new() { ["Input.MethodsRequired"] = before.MethodsRequired == 1 ? "2" : "1" });
        Assert.Contains("The policy is saved.", browser.Alert, StringComparison.Ordinal);

        var after = await PolicyAsync();
        Assert.NotEqual(before.MethodsRequired, after.MethodsRequired);
        Assert.Equal(before.Methods, after.Methods);
        Assert.Contains(await fixture.AuditAsync(admin.Id), e => e.EventType == AuditEventTypes.AdminPolicyChanged
            && e.Reason == $"sspr.MethodsRequired: {before.MethodsRequired} → {after.MethodsRequired}");
        await RecoveryData.SetPolicyAsync(Idp, p => p.MethodsRequired = before.MethodsRequired);
    }

    [Fact]
    public async Task Groups_AreCreatedNestedAndDeleted_AndMembershipDecidesSelfService()
    {
        using var admin = await AdminAsync("Administrator");
        var parent = "Org-" + Guid.NewGuid().ToString("N")[..6];
        var child = parent + "-Team";
        await admin.OpenAsync("admin/groups");
        await admin.SubmitAsync(new() { ["Name"] = parent }, "Create");
        await admin.SubmitAsync(new() { ["Name"] = parent }, "Create");
        Assert.Contains("exists already", admin.Alert, StringComparison.Ordinal);
        var parentId = HtmlForms.Parse(admin.Html).QuerySelectorAll("select[name=ParentId] option").Single(o => o.TextContent == parent).GetAttribute("value")!;
        await admin.SubmitAsync(new() { ["Name"] = child, ["ParentId"] = parentId }, "Create");
        Assert.Contains($"The group {child} is created.", admin.Alert, StringComparison.Ordinal);

        // Self-service enabled for the parent group reaches a member of the nested group.
        await RecoveryData.SetPolicyAsync(Idp, p => (p.Scope, p.Groups) = (IdentityProvider.SelfService.SelfServiceScope.Selected, [Guid.Parse(parentId)]));
        try
        {
            var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = "member@home.example");
            using (var before = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
            {
                Assert.Equal("Self-service reset is not enabled for you", before.Heading);
            }

            await admin.OpenAsync($"admin/users/{user.Id}");
            var childId = HtmlForms.Parse(admin.Html).QuerySelectorAll("select[name=GroupId] option").Single(o => o.TextContent == child).GetAttribute("value")!;
            await admin.SubmitAsync(new() { ["GroupId"] = childId }, "AddGroup");
            Assert.Contains("Added to the group.", admin.Alert, StringComparison.Ordinal);
            using var after = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
            Assert.Equal("/recover/reason", after.Path);

            // A group in use cannot be deleted.
            await admin.OpenAsync("admin/groups");
            using var content = admin.FormContent([], "Delete");
            using var refused = await admin.Client.PostAsync(new Uri($"admin/groups?handler=Delete&id={parentId}", UriKind.Relative), content);
            Assert.Contains("nested in it", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await RecoveryData.SetPolicyAsync(Idp, p => (p.Scope, p.Groups) = (IdentityProvider.SelfService.SelfServiceScope.All, []));
        }
    }

    [Fact]
    public async Task AUsersProfile_IsEditedWithPlainErrors_AndTheOutboxRetriesADeadLetter()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var admin = await AdminAsync("Administrator");
        await admin.OpenAsync($"admin/users/{user.Id}");
        await admin.SubmitAsync(new() { ["Profile.MobilePhone"] = "12345", ["Profile.GivenName"] = "Renamed" }, "Profile");
        Assert.Equal(HttpStatusCode.BadRequest, admin.Page.StatusCode);
        Assert.Contains("international form", admin.Alert, StringComparison.Ordinal);

        await admin.SubmitAsync(new() { ["Profile.MobilePhone"] = "+447400123987", ["Profile.GivenName"] = "Renamed" }, "Profile");
        Assert.Contains("The profile is saved.", admin.Alert, StringComparison.Ordinal);
        await using (var scope = Idp.CreateScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
            Assert.Equal(("Renamed", "+447400123987"), (stored!.GivenName, stored.MobilePhone));
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(new IdentityProvider.Messaging.OutboxMessage
            {
                Channel = IdentityProvider.Messaging.MessageChannel.Email, Recipient = "dead@letter.example", Subject = "s", TextBody = "secret code 12345678",
                Template = "dead-letter-test", Status = IdentityProvider.Messaging.OutboxStatus.DeadLettered, Attempts = 5, LastError = "550 mailbox unavailable",
                CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), NextAttemptAt = long.MaxValue,
            });
            await db.SaveChangesAsync();
        }

        await admin.OpenAsync("admin/outbox");
        Assert.Contains("550 mailbox unavailable", admin.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("12345678", admin.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("dead@letter.example", admin.Html, StringComparison.Ordinal);
        await admin.SubmitAsync([], "Retry");
        Assert.Contains("The message is queued again.", admin.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePasswordAndLockoutPolicies_AreEdited_WithTheirRulesAndAnAudit()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("admin/verify?returnUrl=%2Fadmin%2Fpolicies%2Fpasswords");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });

        await browser.SubmitAsync(new() { ["Password.CustomBannedTerms"] = "northwind\nab" }, "Password");
        Assert.Contains("4 to 16 characters", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["Password.CustomBannedTerms"] = "northwind\nharbourside" }, "Password");
        Assert.Contains("The password policy is saved.", browser.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync(new() { ["Lockout.Threshold"] = "7", ["Lockout.MaximumLockoutSeconds"] = "10", ["Lockout.FirstLockoutSeconds"] = "60" }, "Lockout");
        Assert.Contains("cannot be shorter than the first", browser.Alert, StringComparison.Ordinal);

        // The new banned term now refuses passwords everywhere: here, the strength check of the same policy.
        await using var scope = Idp.CreateScope();
        scope.ServiceProvider.GetRequiredService<StoredPolicy<IdentityProvider.Passwords.PasswordPolicySettings>>().Invalidate();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var someone = await users.FindByIdAsync(admin.Id);
        var result = await users.ChangePasswordAsync(someone!, TestData.Password, "Northwind-Harbourside-7");
        Assert.False(result.Succeeded);
        var events = await fixture.AuditAsync(admin.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.AdminPolicyChanged && e.Reason!.StartsWith("passwords.CustomBannedTerms:", StringComparison.Ordinal));
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        await db.Set<IdentityProvider.Passwords.CustomBannedTerm>().ExecuteDeleteAsync();
        scope.ServiceProvider.GetRequiredService<StoredPolicy<IdentityProvider.Passwords.PasswordPolicySettings>>().Invalidate();
    }

    [Fact]
    public async Task TheUsagePage_CountsWhoCanReset_AndTheResetsOfThePeriod()
    {
        using var auditor = await AdminAsync("Auditor");
        async Task<(int Capable, int Resets)> FiguresAsync()
        {
            await auditor.OpenAsync("admin/usage?period=24h");
            var document = HtmlForms.Parse(auditor.Html);
            var capable = int.Parse(document.QuerySelectorAll(".figures div").Single(d => d.QuerySelector("dt")!.TextContent == "Can reset on their own")
                .QuerySelector("dd")!.FirstChild!.TextContent.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var resets = document.QuerySelectorAll("table").Single(t => t.QuerySelector("caption")!.TextContent == "Password resets")
                .QuerySelectorAll("tbody tr td:last-child").Sum(td => int.Parse(td.TextContent, System.Globalization.CultureInfo.InvariantCulture));
            return (capable, resets);
        }

        var before = await FiguresAsync();
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        await RecoveryData.CreateUserAsync(Idp);
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await journey.ChooseReasonAsync();
            await journey.ChooseMethodAsync("AlternateEmail");
            await journey.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
            await journey.NewPasswordAsync("Velvet-Orchard-Kettle-73");
        }

        var after = await FiguresAsync();
        Assert.Equal(before.Capable + 1, after.Capable);
        Assert.Equal(before.Resets + 1, after.Resets);
        Assert.NotNull(HtmlForms.Parse(auditor.Html).QuerySelector("svg[role=img]"));
    }

    [Fact]
    public async Task AUserCreatedOnThePage_GetsATemporaryPasswordShownOnce()
    {
        using var helpdesk = await AdminAsync("Helpdesk");
        var name = "page" + Guid.NewGuid().ToString("N")[..8];
        await helpdesk.OpenAsync("admin/users/new");
        await helpdesk.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Email"] = "not-an-address" });
        Assert.Contains("Enter a valid email address.", helpdesk.Alert, StringComparison.Ordinal);

        await helpdesk.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Email"] = name + "@example.org", ["Input.GivenName"] = "Paige" });
        Assert.StartsWith("/admin/users/", helpdesk.Path, StringComparison.Ordinal);
        var temporary = HtmlForms.Parse(helpdesk.Html).QuerySelector("code.secret")!.TextContent.Trim();
        await helpdesk.OpenAsync(helpdesk.Path.TrimStart('/'));
        Assert.DoesNotContain(temporary, helpdesk.Html, StringComparison.Ordinal);

        using var signIn = new RecoveryBrowser(Idp);
        await signIn.OpenAsync("Account/Login");
        await signIn.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Password"] = temporary });
        Assert.Equal("/Account/ForcedChange", signIn.Path);
    }

    [Fact]
    public async Task AnAdministrator_GivesAndTakesStaffRoles_OnTheUsersPage()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var admin = await AdminAsync("Administrator");
        await admin.OpenAsync($"admin/users/{user.Id}");
        await admin.SubmitAsync(new() { ["StaffRoles"] = "Helpdesk" }, "Roles");
        Assert.Contains("The roles are saved.", admin.Alert, StringComparison.Ordinal);
        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.Equal(["Helpdesk"], await users.GetRolesAsync((await users.FindByIdAsync(user.Id))!));
        }

        using var helpdesk = await AdminAsync("Helpdesk");
        await helpdesk.OpenAsync($"admin/users/{user.Id}");
        Assert.Null(HtmlForms.Parse(helpdesk.Html).QuerySelector("form[action*='handler=Roles']"));
    }

    private async Task<IdentityProvider.SelfService.SelfServicePolicySettings> PolicyAsync()
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<IdentityProvider.SelfService.SelfServicePolicySettings>().AsNoTracking().SingleAsync();
    }

    private static string FirstUser(RecoveryBrowser browser) =>
        HtmlForms.Parse(browser.Html).QuerySelector("table.data tbody tr td a")!.TextContent.Trim();

    /// <summary>A signed-in member of <paramref name="role"/> past the step-up (password, as they have no app).</summary>
    private async Task<RecoveryBrowser> AdminAsync(string role)
    {
        var staff = await RecoveryData.CreateUserAsync(Idp, role: role, authenticator: true);
        var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, staff);
        await browser.OpenAsync("admin/verify");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        return browser;
    }
}
