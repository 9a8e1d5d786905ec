using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.Passkeys;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>
/// Multi-factor sign-in in the admin pages and API: the policy (saved and audited old → new, bad values refused, the
/// one-click Staff button), a user's sign-in methods and the staff actions on them (remove a lost passkey or app, reset
/// backup codes, require re-registration), who is refused, and the usage counts by method.
/// </summary>
public sealed class MultiFactorAdminTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task ThePolicyPage_WithNoMethodTicked_SaysSoAndKeepsThePolicy()
    {
        var before = await StoredPolicyAsync();
        var (_, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;
        await browser.OpenAsync("admin/policies/multi-factor");

        // Every method unticked: the form posts no Input.Methods at all.
        using var content = browser.FormContent(new() { ["Input.Scope"] = "None", ["Input.RememberBrowserDays"] = "30", ["Input.GraceDays"] = "14" });
        using var response = await browser.Client.PostAsync(browser.FormAction(), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Allow at least one method.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("The multi-factor policy is saved.", html, StringComparison.Ordinal);
        Assert.Equal(before.Methods, (await StoredPolicyAsync()).Methods);
    }

    [Fact]
    public async Task ThePolicyPage_SavesAndAuditsEachChangeOldToNew_AndRefusesBadValuesWith400()
    {
        var before = await StoredPolicyAsync();
        var group = await GroupAsync("Mfa-page-" + Guid.NewGuid().ToString("N")[..6]);
        var (admin, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;

        await browser.OpenAsync("admin/policies/multi-factor");
        Assert.Equal("Multi-factor sign-in policy", browser.Heading);
        var remember = before.RememberBrowserDays == 7 ? 8 : 7;
        await browser.SubmitAsync(new()
        {
            ["Input.Scope"] = "Selected", ["Input.Groups"] = group.ToString(), ["Input.RememberBrowserDays"] = Invariant(remember), ["Input.GraceDays"] = "3",
        });

        Assert.Equal(HttpStatusCode.OK, browser.Page.StatusCode);
        Assert.Contains("The multi-factor policy is saved.", browser.Alert, StringComparison.Ordinal);
        var after = await StoredPolicyAsync();
        Assert.Equal((MultiFactorScope.Selected, remember, 3), (after.Scope, after.RememberBrowserDays, after.GraceDays));
        Assert.Equal([group], after.Groups);
        var events = await PolicyEventsAsync("mfa.RememberBrowserDays:");
        Assert.Equal((admin.Id, admin.Id, $"mfa.RememberBrowserDays: {before.RememberBrowserDays} → {remember}"), (events[^1].UserId, events[^1].ActorId, events[^1].Reason));
        Assert.Contains(await PolicyEventsAsync("mfa.Groups:"), e => e.Reason!.EndsWith(group.ToString(), StringComparison.Ordinal));

        // Out of range, a selected scope without a group, a group that does not exist: 400, the message, nothing saved.
        await browser.OpenAsync("admin/policies/multi-factor");
        await browser.SubmitAsync(new() { ["Input.RememberBrowserDays"] = "999" });
        Assert.Equal(HttpStatusCode.BadRequest, browser.Page.StatusCode);
        Assert.Contains("Between 0 (never) and 365 days.", browser.Alert, StringComparison.Ordinal);

        await browser.OpenAsync("admin/policies/multi-factor");
        using (var content = browser.FormContent(new() { ["Input.Scope"] = "Selected", ["Input.Methods"] = "Passkey" }))
        {
            var (status, alert) = await PostAsync(browser, content);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("Choose at least one group, or another scope.", alert, StringComparison.Ordinal);
        }

        await browser.OpenAsync("admin/policies/multi-factor");
        await browser.SubmitAsync(new() { ["Input.Groups"] = Guid.NewGuid().ToString() });
        Assert.Equal(HttpStatusCode.BadRequest, browser.Page.StatusCode);
        Assert.Contains("One of the groups does not exist.", browser.Alert, StringComparison.Ordinal);

        await browser.OpenAsync("admin/policies/multi-factor");
        await browser.SubmitAsync(new() { ["Input.Scope"] = "Everybody" });
        Assert.Equal(HttpStatusCode.BadRequest, browser.Page.StatusCode);

        var unchanged = await StoredPolicyAsync();
        Assert.Equal((after.Scope, after.RememberBrowserDays, after.GraceDays), (unchanged.Scope, unchanged.RememberBrowserDays, unchanged.GraceDays));
        Assert.Equal(after.Groups, unchanged.Groups);
        Assert.Equal(after.Methods, unchanged.Methods);

        // The administration home links the page.
        await browser.OpenAsync("admin");
        Assert.Contains(HtmlForms.Parse(browser.Html).QuerySelectorAll("a"), a => a.GetAttribute("href") == "/admin/policies/multi-factor");
    }

    [Fact]
    public async Task TheApi_ReadsAndReplacesThePolicy_AuditedAsTheClient_AndAnswersBadValuesWithAProblem()
    {
        using var api = await AdminApiClient.CreateAsync(Idp, "admin.policies");
        var policy = await api.GetFromJsonAsync<JsonElement>("api/v1/policies/multi-factor");
        var grace = policy.GetProperty("graceDays").GetInt32();
        var methods = policy.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToArray();
        Assert.NotEmpty(methods);

        using (var saved = await api.PutAsJsonAsync("api/v1/policies/multi-factor", Body(policy, graceDays: grace == 10 ? 11 : 10)))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.Equal(grace == 10 ? 11 : 10, (await saved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("graceDays").GetInt32());
        }

        var audited = (await PolicyEventsAsync("mfa.GraceDays:"))[^1];
        Assert.StartsWith("client ", audited.ActorId, StringComparison.Ordinal);
        Assert.Equal($"by {audited.ActorId}: mfa.GraceDays: {grace} → {(grace == 10 ? 11 : 10)}", audited.Reason);

        await AssertProblemAsync(api, Body(policy, graceDays: 500), "graceDays", "Between 0 and 90 days.");
        await AssertProblemAsync(api, Body(policy, rememberBrowserDays: -1), "rememberBrowserDays", "Between 0 (never) and 365 days.");
        await AssertProblemAsync(api, Body(policy, groups: [Guid.NewGuid()]), "groups", "One of the groups does not exist.");
        await AssertProblemAsync(api, Body(policy, scope: "Selected", groups: []), "groups", "Choose at least one group, or another scope.");
        await AssertProblemAsync(api, Body(policy, methods: []), "methods", "Allow at least one method.");

        // A method that does not exist never reaches the policy: 400, not 500.
        using var unknown = await api.PutAsJsonAsync("api/v1/policies/multi-factor", Body(policy, methods: ["Carrier pigeon"]));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        // The OpenAPI document describes it.
        using var anonymous = new HttpClient { BaseAddress = Idp.BaseAddress };
        var paths = (await anonymous.GetFromJsonAsync<JsonElement>("api/openapi/v1.json")).GetProperty("paths");
        foreach (var path in new[] { "/api/v1/policies/multi-factor", "/api/v1/users/{id}/sign-in-methods", "/api/v1/users/{id}/sign-in-methods/passkeys/{passkeyId}",
            "/api/v1/users/{id}/sign-in-methods/backup-codes", "/api/v1/users/{id}/sign-in-methods/require-registration" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task TheStaffButton_RequiresASecondFactorForTheStaffGroup_InOneAuditedClick()
    {
        var staffGroup = await GroupAsync(IdentityProvider.Admin.Policies.MultiFactorModel.StaffGroupName);
        await using (var scope = Idp.CreateScope())
        {
            var editor = scope.ServiceProvider.GetRequiredService<PolicyEditor<MultiFactorPolicySettings>>();
            var current = await StoredPolicyAsync();
            current.Scope = MultiFactorScope.None;
            current.Groups = [.. current.Groups.Where(g => g != staffGroup)];
            await editor.SaveAsync(current);
        }

        var (admin, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;
        await browser.OpenAsync("admin/policies/multi-factor");
        Assert.Contains("Require for the Staff group", browser.Text, StringComparison.Ordinal);

        await browser.SubmitAsync([], "RequireStaff");

        Assert.Contains("Members of the Staff group must now use a second factor.", browser.Alert, StringComparison.Ordinal);
        Assert.DoesNotContain("Require for the Staff group", browser.Text, StringComparison.Ordinal);
        var policy = await StoredPolicyAsync();
        Assert.Equal(MultiFactorScope.Selected, policy.Scope);
        Assert.Contains(staffGroup, policy.Groups);
        var events = await PolicyEventsAsync("mfa.");
        Assert.Contains(events, e => e.ActorId == admin.Id && e.Reason == "mfa.Scope: None → Selected");
        Assert.Contains(events, e => e.ActorId == admin.Id && e.Reason!.StartsWith("mfa.Groups:", StringComparison.Ordinal) && e.Reason.Contains(staffGroup.ToString(), StringComparison.Ordinal));

        // Pressed again (a second tab): nothing changes, nothing more is audited.
        var count = (await PolicyEventsAsync("mfa.")).Count;
        using (var again = browser.FormContent([]))
        using (var response = await browser.Client.PostAsync(new Uri("admin/policies/multi-factor?handler=RequireStaff", UriKind.Relative), again))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("already requires", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(count, (await PolicyEventsAsync("mfa.")).Count);
    }

    [Fact]
    public async Task TheUserPage_AndTheApi_ListTheSignInMethods_RegisteredAndLastUsed()
    {
        var lastStep = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() / 30;
        var user = await RecoveryData.CreateUserAsync(Idp, u =>
        {
            (u.AuthenticatorRegisteredAt, u.AuthenticatorLastStep, u.MobilePhone, u.MobilePhoneRegisteredAt) = (DateTimeOffset.UtcNow.AddDays(-20), lastStep, "+447400100999", DateTimeOffset.UtcNow.AddDays(-30));
        }, authenticator: true);
        var passkey = await AddPasskeyAsync(user.Id, "Work laptop", lastUsed: DateTimeOffset.UtcNow.AddDays(-1));
        await AddBackupCodesAsync(user.Id, total: 10, used: 3);
        var (_, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;

        await browser.OpenAsync($"admin/users/{user.Id}");

        var text = browser.Text;
        Assert.Contains("Sign-in methods", text, StringComparison.Ordinal);
        Assert.Contains("Passkey “Work laptop”", text, StringComparison.Ordinal);
        Assert.Contains("7 of 10 left", text, StringComparison.Ordinal);
        Assert.NotNull(HtmlForms.Parse(browser.Html).QuerySelector($"time[datetime='{DateTimeOffset.FromUnixTimeSeconds(lastStep * 30).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}']"));
        Assert.Contains(IdentityProvider.SelfService.Masking.Phone("+447400100999"), text, StringComparison.Ordinal);
        Assert.NotNull(HtmlForms.Parse(browser.Html).QuerySelector($"form[action*='handler=RemovePasskey'] input[value='{passkey}']"));

        using var api = await AdminApiClient.CreateAsync(Idp, "admin.users");
        var methods = await api.GetFromJsonAsync<JsonElement>($"api/v1/users/{user.Id}/sign-in-methods");
        Assert.Equal("Work laptop", methods.GetProperty("passkeys")[0].GetProperty("name").GetString());
        Assert.Equal((7, 10), (methods.GetProperty("backupCodes").GetProperty("left").GetInt32(), methods.GetProperty("backupCodes").GetProperty("total").GetInt32()));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(lastStep * 30), methods.GetProperty("authenticatorApp").GetProperty("lastUsedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, methods.GetProperty("alternateEmail").ValueKind);
        Assert.DoesNotContain("+447400100999", methods.GetRawText(), StringComparison.Ordinal);
        using var missing = await api.GetAsync(new Uri($"api/v1/users/{Guid.NewGuid()}/sign-in-methods", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ALostPasskey_IsRemovedOnThePage_AuditedAndTheUserIsTold()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var lost = await AddPasskeyAsync(user.Id, "Lost phone");
        var kept = await AddPasskeyAsync(user.Id, "Desk key");
        var (admin, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;
        await browser.OpenAsync($"admin/users/{user.Id}");

        using (var content = browser.FormContent(new() { ["PasskeyId"] = lost.ToString(), ["Confirmed"] = "true" }, "RemovePasskey"))
        {
            var (status, alert) = await PostAsync(browser, content, $"admin/users/{user.Id}?handler=RemovePasskey");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("The passkey was removed", alert, StringComparison.Ordinal);
        }

        Assert.Equal([kept], await PasskeysAsync(user.Id));
        var audited = Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged);
        Assert.Equal((admin.Id, $"by {admin.Id}: passkey \"Lost phone\" removed", "Passkey"), (audited.ActorId, audited.Reason, audited.Method));
        var told = (await fixture.MessagesAsync("security-info-changed")).Where(m => m.TextBody.Contains("Lost phone", StringComparison.Ordinal)).Select(m => m.Recipient);
        Assert.Equal(new HashSet<string>([user.Email!, user.AlternateEmail!], StringComparer.OrdinalIgnoreCase), told.ToHashSet(StringComparer.OrdinalIgnoreCase));

        // Another user's passkey, or one already gone: 400, nothing removed.
        var someoneElse = await RecoveryData.CreateUserAsync(Idp);
        var theirs = await AddPasskeyAsync(someoneElse.Id, "Not yours");
        await browser.OpenAsync($"admin/users/{user.Id}");
        using (var content = browser.FormContent(new() { ["PasskeyId"] = theirs.ToString(), ["Confirmed"] = "true" }, "RemovePasskey"))
        {
            var (status, _) = await PostAsync(browser, content, $"admin/users/{user.Id}?handler=RemovePasskey");
            Assert.Equal(HttpStatusCode.BadRequest, status);
        }

        Assert.Equal([theirs], await PasskeysAsync(someoneElse.Id));
    }

    [Fact]
    public async Task ALostAuthenticatorApp_BackupCodes_AndReRegistration_AreHandledOnThePage()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AuthenticatorRegisteredAt, u.AuthenticatorLastStep) = (DateTimeOffset.UtcNow, 1), authenticator: true);
        await AddBackupCodesAsync(user.Id, total: 10, used: 1);
        var (admin, browser) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = browser;

        await browser.OpenAsync($"admin/users/{user.Id}");
        await browser.SubmitAsync([], "RemoveAuthenticator");
        await browser.SubmitAsync([], "RemoveAuthenticator");
        Assert.Contains("The authenticator app was removed", browser.Alert, StringComparison.Ordinal);
        var stored = await UserAsync(user.Id);
        Assert.Equal((null, null, null), (stored.AuthenticatorSecretProtected, stored.AuthenticatorRegisteredAt, stored.AuthenticatorLastStep));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged && e.Reason == $"by {admin.Id}: authenticator app removed");

        await browser.SubmitAsync([], "ResetBackupCodes");
        await browser.SubmitAsync([], "ResetBackupCodes");
        Assert.Contains("The backup codes were deleted", browser.Alert, StringComparison.Ordinal);
        Assert.Equal(0, await BackupCodeCountAsync(user.Id));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged && e.Reason == $"by {admin.Id}: backup codes reset (9 unused deleted)");

        // Re-registration: app, passkeys and codes go, and the next sign-in asks for a method.
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            var again = await db.Users.SingleAsync(u => u.Id == user.Id);
            again.AuthenticatorSecretProtected = "protected";
            await db.SaveChangesAsync();
        }

        await AddPasskeyAsync(user.Id, "Phone");
        await AddBackupCodesAsync(user.Id, total: 10, used: 0);
        await browser.OpenAsync($"admin/users/{user.Id}");
        Assert.Contains("require re-registration", browser.Text, StringComparison.Ordinal);
        var asked = DateTimeOffset.UtcNow;
        await browser.SubmitAsync([], "RequireRegistration");
        await browser.SubmitAsync([], "RequireRegistration");

        Assert.Contains("Their next sign-in asks them to set up a second factor.", browser.Alert, StringComparison.Ordinal);
        stored = await UserAsync(user.Id);
        Assert.Null(stored.AuthenticatorSecretProtected);
        Assert.InRange(stored.MultiFactorGraceStartedAt!.Value, asked.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Empty(await PasskeysAsync(user.Id));
        Assert.Equal(0, await BackupCodeCountAsync(user.Id));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged
            && e.Reason == $"by {admin.Id}: re-registration required; removed: authenticator app, 1 passkey, backup codes");
        Assert.Contains(await fixture.MessagesAsync("security-info-changed"), m => m.Recipient == user.Email && m.TextBody.Contains("next sign-in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheApi_RemovesAPasskey_ResetsBackupCodes_AndRequiresReRegistration()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, authenticator: true);
        var passkey = await AddPasskeyAsync(user.Id, "Tablet");
        await AddBackupCodesAsync(user.Id, total: 10, used: 0);
        using var api = await AdminApiClient.CreateAsync(Idp, "admin.users");

        using (var removed = await api.DeleteAsync(new Uri($"api/v1/users/{user.Id}/sign-in-methods/passkeys/{passkey}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var gone = await api.DeleteAsync(new Uri($"api/v1/users/{user.Id}/sign-in-methods/passkeys/{passkey}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        }

        using (var reset = await api.DeleteAsync(new Uri($"api/v1/users/{user.Id}/sign-in-methods/backup-codes", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        Assert.Equal(0, await BackupCodeCountAsync(user.Id));
        using (var required = await api.PostAsync(new Uri($"api/v1/users/{user.Id}/sign-in-methods/require-registration", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, required.StatusCode);
        }

        var stored = await UserAsync(user.Id);
        Assert.Null(stored.AuthenticatorSecretProtected);
        Assert.NotNull(stored.MultiFactorGraceStartedAt);
        var events = (await fixture.AuditAsync(user.Id)).Where(e => e.EventType == AuditEventTypes.AdminSecondFactorChanged).ToList();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.StartsWith("client ", e.ActorId, StringComparison.Ordinal));
        Assert.Equal("by " + events[2].ActorId + ": re-registration required; removed: authenticator app", events[2].Reason);
    }

    [Fact]
    public async Task TheHelpdesk_OnAStaffAccount_AndAuditors_AreRefused_AndNothingChanges()
    {
        var administrator = await RecoveryData.CreateUserAsync(Idp, role: StaffRoles.Administrator, authenticator: true);
        var passkey = await AddPasskeyAsync(administrator.Id, "Admin key");
        await AddBackupCodesAsync(administrator.Id, total: 10, used: 0);
        var ordinary = await RecoveryData.CreateUserAsync(Idp);
        var (_, helpdesk) = await StaffSession.StartAsync(Idp, StaffRoles.Helpdesk);
        using var _ = helpdesk;

        // The helpdesk may help an ordinary user: the page offers the actions.
        await helpdesk.OpenAsync($"admin/users/{ordinary.Id}");
        Assert.Contains("Require re-registration", helpdesk.Text, StringComparison.Ordinal);

        // Not an administrator: each action posted anyway is refused with 403.
        foreach (var (handler, values) in new (string, Dictionary<string, string>)[]
        {
            ("RemovePasskey", new() { ["PasskeyId"] = passkey.ToString() }), ("RemoveAuthenticator", []), ("ResetBackupCodes", []), ("RequireRegistration", []),
        })
        {
            using var content = helpdesk.FormContent(values, "RequireRegistration");
            using var refused = await helpdesk.Client.PostAsync(new Uri($"admin/users/{administrator.Id}?handler={handler}", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // An auditor does not act on accounts at all.
        var (_, auditor) = await StaffSession.StartAsync(Idp, StaffRoles.Auditor);
        using var __ = auditor;
        await auditor.OpenAsync("Account");
        using (var content = auditor.FormContent([], "SignOutEverywhere"))
        using (var refused = await auditor.Client.PostAsync(new Uri($"admin/users/{ordinary.Id}?handler=RequireRegistration", UriKind.Relative), content))
        {
            Assert.Equal("/Account/AccessDenied", refused.RequestMessage!.RequestUri!.AbsolutePath);
        }

        var stored = await UserAsync(administrator.Id);
        Assert.NotNull(stored.AuthenticatorSecretProtected);
        Assert.Null(stored.MultiFactorGraceStartedAt);
        Assert.Equal([passkey], await PasskeysAsync(administrator.Id));
        Assert.Equal(10, await BackupCodeCountAsync(administrator.Id));
        Assert.Null((await UserAsync(ordinary.Id)).MultiFactorGraceStartedAt);
        Assert.DoesNotContain(await fixture.AuditAsync(administrator.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged);
    }

    [Fact]
    public async Task TheUsagePage_AndTheApi_CountSecondFactorSignInsByMethod()
    {
        var (_, auditor) = await StaffSession.StartAsync(Idp, StaffRoles.Auditor);
        using var _ = auditor;
        using var api = await AdminApiClient.CreateAsync(Idp, "admin.audit");
        var pageBefore = await UsagePageAsync(auditor);
        var apiBefore = await UsageApiAsync(api);

        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            var now = DateTimeOffset.UtcNow;
            void Add(string type, string? method, int count, DateTimeOffset? at = null, string outcome = AuditLog.Success)
            {
                for (var i = 0; i < count; i++)
                {
                    db.Add(new AuditEvent { Time = at ?? now.AddHours(-1), EventType = type, Method = method, Outcome = outcome, UserId = "usage-test" });
                }
            }

            Add(AuditEventTypes.SecondFactorPassed, nameof(SignInMethod.AuthenticatorApp), 3);
            Add(AuditEventTypes.SecondFactorPassed, nameof(SignInMethod.Passkey), 2);
            Add(AuditEventTypes.SecondFactorPassed, nameof(SignInMethod.BackupCode), 1);
            Add(AuditEventTypes.PasskeySignIn, nameof(SignInMethod.Passkey), 4);
            // Not counted: outside the period, a failure.
            Add(AuditEventTypes.SecondFactorPassed, nameof(SignInMethod.AuthenticatorApp), 5, at: now.AddDays(-3));
            Add(AuditEventTypes.SecondFactorFailed, nameof(SignInMethod.AuthenticatorApp), 7, outcome: AuditLog.Failure);
            await db.SaveChangesAsync();
        }

        var page = await UsagePageAsync(auditor);
        var fromApi = await UsageApiAsync(api);
        foreach (var (label, added) in new[] { ("Authenticator app", 3), ("Passkey", 2), ("Backup code", 1), ("Passkey, without a password", 4), ("Text message", 0) })
        {
            Assert.Equal(pageBefore.GetValueOrDefault(label) + added, page.GetValueOrDefault(label));
            Assert.Equal(apiBefore.GetValueOrDefault(label) + added, fromApi.GetValueOrDefault(label));
        }
    }

    private static async Task<Dictionary<string, int>> UsagePageAsync(RecoveryBrowser browser)
    {
        await browser.OpenAsync("admin/usage?period=24h");
        var table = HtmlForms.Parse(browser.Html).QuerySelector("#second-factor-sign-ins") ?? throw new InvalidOperationException("No table of second-factor sign-ins.");
        return table.QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).Where(c => c.Length == 2)
            .ToDictionary(c => c[0], c => int.Parse(c[1], CultureInfo.InvariantCulture));
    }

    private static async Task<Dictionary<string, int>> UsageApiAsync(HttpClient api)
    {
        var usage = await api.GetFromJsonAsync<JsonElement>("api/v1/usage?period=24h");
        return usage.GetProperty("secondFactorSignIns").EnumerateArray().ToDictionary(b => b.GetProperty("label").GetString()!, b => b.GetProperty("value").GetInt32());
    }

    private static object Body(JsonElement policy, string? scope = null, Guid[]? groups = null, string[]? methods = null, int? rememberBrowserDays = null, int? graceDays = null) => new
    {
        scope = scope ?? policy.GetProperty("scope").GetString(),
        groups = groups ?? [.. policy.GetProperty("groups").EnumerateArray().Select(g => g.GetGuid())],
        methods = methods ?? [.. policy.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!)],
        rememberBrowserDays = rememberBrowserDays ?? policy.GetProperty("rememberBrowserDays").GetInt32(),
        graceDays = graceDays ?? policy.GetProperty("graceDays").GetInt32(),
        passkeyCountsTwiceForAdministrators = policy.GetProperty("passkeyCountsTwiceForAdministrators").GetBoolean(),
    };

    private static async Task AssertProblemAsync(HttpClient api, object body, string field, string message)
    {
        using var refused = await api.PutAsJsonAsync("api/v1/policies/multi-factor", body);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(message, errors.GetProperty(field)[0].GetString());
    }

    /// <summary>Posts a form body built by hand (several values for one name, or another page's token); the status and the alerts shown.</summary>
    private static async Task<(HttpStatusCode Status, string Alert)> PostAsync(RecoveryBrowser browser, FormUrlEncodedContent content, string? url = null)
    {
        var target = url is null ? browser.FormAction() : new Uri(url, UriKind.Relative);
        using var response = await browser.Client.PostAsync(target, content);
        var html = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, string.Join(" ", html.QuerySelectorAll("[role=alert], [role=status]").Select(a => a.TextContent.Trim())));
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<MultiFactorPolicySettings> StoredPolicyAsync()
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        await scope.ServiceProvider.GetRequiredService<StoredPolicy<MultiFactorPolicySettings>>().GetAsync();
        return await db.Set<MultiFactorPolicySettings>().AsNoTracking().SingleAsync();
    }

    private async Task<List<AuditEvent>> PolicyEventsAsync(string prefix)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>().AsNoTracking()
            .Where(e => e.EventType == AuditEventTypes.AdminPolicyChanged && (e.Reason!.StartsWith(prefix) || e.Reason.Contains(": " + prefix)))
            .OrderBy(e => e.Id).ToListAsync();
    }

    private async Task<Guid> GroupAsync(string name)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        if (await db.Set<Group>().FirstOrDefaultAsync(g => g.Name == name) is { } existing)
        {
            return existing.Id;
        }

        var group = new Group { Name = name };
        db.Add(group);
        await db.SaveChangesAsync();
        return group.Id;
    }

    private async Task<Guid> AddPasskeyAsync(string userId, string name, DateTimeOffset? lastUsed = null)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var passkey = new PasskeyCredential
        {
            UserId = userId, Name = name, CredentialId = RandomNumberGenerator.GetBytes(32), PublicKey = RandomNumberGenerator.GetBytes(77),
            UserHandle = System.Text.Encoding.UTF8.GetBytes(userId), Transports = "internal", CreatedAt = DateTimeOffset.UtcNow.AddDays(-10), LastUsedAt = lastUsed,
        };
        db.Add(passkey);
        await db.SaveChangesAsync();
        return passkey.Id;
    }

    private async Task AddBackupCodesAsync(string userId, int total, int used)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        for (var i = 0; i < total; i++)
        {
            db.Add(new BackupCode
            {
                UserId = userId, CodeHash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), CreatedAt = DateTimeOffset.UtcNow.AddDays(-5),
                UsedAt = i < used ? DateTimeOffset.UtcNow.AddDays(-1) : null,
            });
        }

        await db.SaveChangesAsync();
    }

    private async Task<List<Guid>> PasskeysAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<PasskeyCredential>().Where(p => p.UserId == userId).Select(p => p.Id).ToListAsync();
    }

    private async Task<int> BackupCodeCountAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<BackupCode>().CountAsync(c => c.UserId == userId);
    }

    private async Task<ApplicationUser> UserAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == userId);
    }
}
