using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>The admin REST API with client-credentials tokens: scopes, problem details, paging, and each operation.</summary>
public sealed class AdminApiTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task WithoutAToken_TheApiAnswers401_AsAProblem()
    {
        using var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        using var response = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task ATokenWithAnotherAreasScope_IsRefused()
    {
        using var http = await ClientAsync("admin.audit");

        using var users = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        using var audit = await http.GetAsync(new Uri("api/v1/audit", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Contains("admin.users", (await ProblemAsync(users)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
    }

    [Fact]
    public async Task Users_ArePagedAndFiltered_AndBadPagingIsAValidationProblem()
    {
        using var http = await ClientAsync("admin.users");
        var marker = "api" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 120; i++)
        {
            await TestData.CreateUserAsync(Idp, $"{marker}{i:D3}");
        }

        var page = await http.GetFromJsonAsync<JsonElement>($"api/v1/users?q={marker}&page=3&pageSize=50");
        Assert.Equal(120, page.GetProperty("total").GetInt32());
        Assert.Equal(20, page.GetProperty("items").GetArrayLength());
        Assert.Equal($"{marker}100", page.GetProperty("items")[0].GetProperty("userName").GetString());

        using var bad = await http.GetAsync(new Uri("api/v1/users?pageSize=500", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await ProblemAsync(bad)).GetProperty("errors").TryGetProperty("pageSize", out _));

        using var missing = await http.GetAsync(new Uri("api/v1/users/no-such-user", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(404, (await ProblemAsync(missing)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task CreatingAUser_ChecksEachField_AndWithoutAPasswordGivesATemporaryOne()
    {
        using var http = await ClientAsync("admin.users");
        var name = "new" + Guid.NewGuid().ToString("N")[..8];

        using var invalid = await http.PostAsJsonAsync("api/v1/users", new { userName = "", email = "not-an-email" });
        var errors = (await ProblemAsync(invalid)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("userName", out _) && errors.TryGetProperty("email", out _));

        using var weak = await http.PostAsJsonAsync("api/v1/users", new { userName = name, email = name + "@example.org", password = "password" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await ProblemAsync(weak)).GetProperty("errors").TryGetProperty("password", out _));

        using var created = await http.PostAsJsonAsync("api/v1/users", new { userName = name, email = name + "@example.org", givenName = "New", familyName = "Person" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var temporary = body.GetProperty("temporaryPassword").GetString()!;
        Assert.True(body.GetProperty("user").GetProperty("mustChangePassword").GetBoolean());

        using var signIn = new RecoveryBrowser(Idp);
        await signIn.OpenAsync("Account/Login");
        await signIn.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Password"] = temporary });
        Assert.Equal("/Account/ForcedChange", signIn.Path);
    }

    [Fact]
    public async Task AdminSetContactData_CountsForSelfService_AndIsAudited()
    {
        using var http = await ClientAsync("admin.users");
        var user = await TestData.CreateUserAsync(Idp);

        using var invalid = await http.PatchAsJsonAsync($"api/v1/users/{user.Id}", new { mobilePhone = "12345" });
        Assert.True((await ProblemAsync(invalid)).GetProperty("errors").TryGetProperty("mobilePhone", out _));

        using var patched = await http.PatchAsJsonAsync($"api/v1/users/{user.Id}", new { alternateEmail = "set-by-it@home.example", mobilePhone = "+44 7400 123999" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var view = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("methods").GetProperty("mobilePhoneRegisteredAt").ValueKind);

        using var journey = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        Assert.Equal("/recover/reason", journey.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminUserUpdated && e.Reason!.Contains("alternateEmail, mobilePhone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResetUnlockAndRevoke_Work_AndTheLastAdministratorStaysEnabled()
    {
        using var http = await ClientAsync("admin.users");
        var user = await TestData.CreateUserAsync(Idp);

        using var reset = await http.PostAsync(new Uri($"api/v1/users/{user.Id}/password-reset", UriKind.Relative), null);
        Assert.Matches("^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$", (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporaryPassword").GetString());
        using var unlock = await http.PostAsync(new Uri($"api/v1/users/{user.Id}/unlock", UriKind.Relative), null);
        using var revoke = await http.PostAsync(new Uri($"api/v1/users/{user.Id}/revoke-sessions", UriKind.Relative), null);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (unlock.StatusCode, revoke.StatusCode));

        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator");
        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            foreach (var other in await users.GetUsersInRoleAsync("Administrator"))
            {
                other.IsEnabled = other.Id == admin.Id;
                await users.UpdateAsync(other);
            }
        }

        using var disable = await http.PatchAsJsonAsync($"api/v1/users/{admin.Id}", new { enabled = false });
        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Contains("last enabled administrator", (await ProblemAsync(disable)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Nor demoted; a second administrator makes both possible.
        using var demote = await http.PutAsJsonAsync($"api/v1/users/{admin.Id}/roles", Array.Empty<string>());
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        using var bogus = await http.PutAsJsonAsync($"api/v1/users/{user.Id}/roles", new[] { "Superuser" });
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        using var promote = await http.PutAsJsonAsync($"api/v1/users/{user.Id}/roles", new[] { "Administrator" });
        Assert.Equal(HttpStatusCode.NoContent, promote.StatusCode);
        using var demoted = await http.PutAsJsonAsync($"api/v1/users/{admin.Id}/roles", new[] { "Auditor" });
        Assert.Equal(HttpStatusCode.NoContent, demoted.StatusCode);
        Assert.Contains(await fixture.AuditAsync(admin.Id), e => e.EventType == AuditEventTypes.AdminRolesChanged && e.Reason!.EndsWith("roles Administrator → Auditor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheAuditLog_IsFilteredAndPaged()
    {
        using var http = await ClientAsync("admin.audit");
        var user = await TestData.CreateUserAsync(Idp);
        await using (var scope = Idp.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<AuditLog>().WriteAsync("sign-in.failed", user.Id, AuditLog.Failure, "wrong-password");
        }

        var page = await http.GetFromJsonAsync<JsonElement>($"api/v1/audit?userId={user.Id}&type=sign-in.&outcome=failure");
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Equal("wrong-password", page.GetProperty("items")[0].GetProperty("reason").GetString());

        using var bad = await http.GetAsync(new Uri("api/v1/audit?outcome=maybe", UriKind.Relative));
        Assert.True((await ProblemAsync(bad)).GetProperty("errors").TryGetProperty("outcome", out _));
    }

    [Fact]
    public async Task ThePolicy_IsReadAndReplaced_WithValidationAndAnAuditOfEachChange()
    {
        using var http = await ClientAsync("admin.policies");
        var policy = await http.GetFromJsonAsync<JsonElement>("api/v1/policies/self-service");
        Assert.Equal("All", policy.GetProperty("scope").GetString());
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(policy.GetRawText())!;

        var invalid = new Dictionary<string, object?>(body.ToDictionary(p => p.Key, p => (object?)p.Value)) { ["questionsToReset"] = 5, ["questionsToRegister"] = 3, ["methodsRequired"] = 7 };
        using var refused = await http.PutAsJsonAsync("api/v1/policies/self-service", invalid);
        var errors = (await ProblemAsync(refused)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("questionsToReset", out _) && errors.TryGetProperty("methodsRequired", out _));

        var required = body["methodsRequired"].GetInt32();
        var change = new Dictionary<string, object?>(body.ToDictionary(p => p.Key, p => (object?)p.Value)) { ["methodsRequired"] = required == 1 ? 2 : 1 };
        using var saved = await http.PutAsJsonAsync("api/v1/policies/self-service", change);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        await using var scope = Idp.CreateScope();
        var events = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>()
            .Where(e => e.EventType == AuditEventTypes.AdminPolicyChanged).ToListAsync();
        Assert.Contains(events, e => e.Reason!.EndsWith($"sspr.MethodsRequired: {required} → {(required == 1 ? 2 : 1)}", StringComparison.Ordinal) && e.Reason.StartsWith("by client ", StringComparison.Ordinal));
        await RecoveryData.SetPolicyAsync(Idp, p => p.MethodsRequired = required);
    }

    [Fact]
    public async Task HelpRequests_AreListedAndResolved()
    {
        await RecoveryData.SetPolicyAsync(Idp, p => p.ContactAdministrator = null);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await journey.OpenAsync("recover/contact");
            await journey.SubmitAsync([]);
        }

        using var http = await ClientAsync("admin.requests");
        var open = await http.GetFromJsonAsync<JsonElement>("api/v1/helpdesk-requests?status=open&pageSize=200");
        var id = open.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("userId").GetString() == user.Id).GetProperty("id").GetGuid();

        using var empty = await http.PostAsJsonAsync($"api/v1/helpdesk-requests/{id}/resolve", new { resolution = "" });
        Assert.True((await ProblemAsync(empty)).GetProperty("errors").TryGetProperty("resolution", out _));
        using var resolved = await http.PostAsJsonAsync($"api/v1/helpdesk-requests/{id}/resolve", new { resolution = "Reset over the phone after a call-back." });
        Assert.Equal("resolved", (await resolved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        using var again = await http.PostAsJsonAsync($"api/v1/helpdesk-requests/{id}/resolve", new { resolution = "Twice." });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task GroupsAndMembership_ThroughTheApi()
    {
        using var http = await ClientAsync("admin.users");
        var name = "ApiGroup-" + Guid.NewGuid().ToString("N")[..6];
        using var created = await http.PostAsJsonAsync("api/v1/groups", new { name });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var duplicate = await http.PostAsJsonAsync("api/v1/groups", new { name = name.ToUpperInvariant() });
        Assert.True((await ProblemAsync(duplicate)).GetProperty("errors").TryGetProperty("name", out _));

        var user = await TestData.CreateUserAsync(Idp);
        using var added = await http.PutAsync(new Uri($"api/v1/users/{user.Id}/groups/{id}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        var groups = await http.GetFromJsonAsync<JsonElement>("api/v1/groups");
        Assert.Equal(1, groups.EnumerateArray().Single(g => g.GetProperty("id").GetGuid() == id).GetProperty("members").GetInt32());

        using var unknown = await http.PutAsync(new Uri($"api/v1/users/{user.Id}/groups/{Guid.NewGuid()}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        using var deleted = await http.DeleteAsync(new Uri($"api/v1/groups/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task PasswordAndLockoutPolicies_OutboxAndUsage_ThroughTheApi()
    {
        using var policies = await ClientAsync("admin.policies");
        var lockout = await policies.GetFromJsonAsync<JsonElement>("api/v1/policies/lockout");
        using var invalid = await policies.PutAsJsonAsync("api/v1/policies/lockout", new { threshold = 2, firstLockoutSeconds = 60, maximumLockoutSeconds = 30 });
        var errors = (await ProblemAsync(invalid)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("threshold", out _) && errors.TryGetProperty("maximumLockoutSeconds", out _));
        using var saved = await policies.PutAsJsonAsync("api/v1/policies/lockout", new
        {
            threshold = lockout.GetProperty("threshold").GetInt32() + 1, firstLockoutSeconds = 60, maximumLockoutSeconds = 3600,
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        using (var restore = await policies.PutAsJsonAsync("api/v1/policies/lockout", lockout)) { Assert.Equal(HttpStatusCode.OK, restore.StatusCode); }

        var passwords = await policies.GetFromJsonAsync<JsonElement>("api/v1/policies/passwords");
        Assert.True(passwords.GetProperty("minimumLength").GetInt32() >= 4);

        var letter = new IdentityProvider.Messaging.OutboxMessage
        {
            Channel = IdentityProvider.Messaging.MessageChannel.Email, Recipient = "gone@letter.example", Subject = "s", TextBody = "code 12345678",
            Template = "api-dead-letter", Status = IdentityProvider.Messaging.OutboxStatus.DeadLettered, Attempts = 5, LastError = "550 no such mailbox",
            CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), NextAttemptAt = long.MaxValue,
        };
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(letter);
            await db.SaveChangesAsync();
        }

        using var outbox = await ClientAsync("admin.outbox");
        var dead = await outbox.GetFromJsonAsync<JsonElement>("api/v1/outbox?status=deadlettered&pageSize=200");
        var listed = dead.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == letter.Id);
        Assert.Equal("g•••@letter.example", listed.GetProperty("recipient").GetString());
        Assert.DoesNotContain("12345678", dead.GetRawText(), StringComparison.Ordinal);
        using var retry = await outbox.PostAsync(new Uri($"api/v1/outbox/{letter.Id}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        using var again = await outbox.PostAsync(new Uri($"api/v1/outbox/{letter.Id}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await outbox.PostAsync(new Uri($"api/v1/outbox/{Guid.NewGuid()}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await TestData.CreateUserAsync(Idp);
        using var audit = await ClientAsync("admin.audit");
        var usage = await audit.GetFromJsonAsync<JsonElement>("api/v1/usage?period=24h");
        Assert.True(usage.GetProperty("users").GetInt32() > 0);
        using var badPeriod = await audit.GetAsync(new Uri("api/v1/usage?period=year", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
    }

    [Fact]
    public async Task APersonsToken_NeedsTheirStaffRole_AsWellAsTheScope()
    {
        var clientId = "console-" + Guid.NewGuid().ToString("N")[..6];
        var redirect = new Uri("https://console.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        await using (var scope = Idp.CreateScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
            var app = await applications.FindByClientIdAsync(clientId);
            var descriptor = new OpenIddict.Abstractions.OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, app!);
            descriptor.Permissions.Add(OpenIddict.Abstractions.OpenIddictConstants.Permissions.Prefixes.Scope + "admin.audit");
            await applications.UpdateAsync(app!, descriptor);
        }

        async Task<HttpStatusCode> CallAsAsync(string? role, bool stepUp = true)
        {
            var person = await RecoveryData.CreateUserAsync(Idp, role: role, authenticator: true);
            var browser = new AuthorizationCodeClient(Idp);
            await browser.SignInAsync(person.UserName!, TestData.Password, stepUp ? RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) : null);
            var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
            if (!stepUp)
            {
                // Staff prove a second factor at sign-in: the password alone left no session, so no code is issued.
                using var refused = await browser.AuthorizeAsync(AuthorizationCodeClient.Request(clientId, redirect, challenge, "openid admin.audit"));
                Assert.Contains("/Account/Login", refused.Headers.Location!.ToString(), StringComparison.Ordinal);
                return HttpStatusCode.Forbidden;
            }

            var code = await browser.GetCodeAsync(clientId, redirect, challenge, "openid admin.audit");
            using var tokens = new HttpClient();
            var token = await tokens.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
            {
                Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier,
            });
            Assert.False(token.IsError, token.Error);
            using var http = new HttpClient { BaseAddress = Idp.BaseAddress };
            http.SetBearerToken(token.AccessToken!);
            using var response = await http.GetAsync(new Uri("api/v1/audit", UriKind.Relative));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await CallAsAsync(role: null));
        Assert.Equal(HttpStatusCode.Forbidden, await CallAsAsync("Helpdesk"));
        Assert.Equal(HttpStatusCode.OK, await CallAsAsync("Auditor"));

        // The same auditor's token from a password-only sign-in: a stolen password must not administer anything.
        Assert.Equal(HttpStatusCode.Forbidden, await CallAsAsync("Auditor", stepUp: false));
    }

    [Fact]
    public async Task TheApi_IsDescribedByAnOpenApiDocument_WithABrowsableUi()
    {
        using var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        var document = await http.GetFromJsonAsync<JsonElement>("api/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/users", "/api/v1/users/{id}/password-reset", "/api/v1/audit", "/api/v1/policies/self-service", "/api/v1/helpdesk-requests" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.False(paths.TryGetProperty("/connect/token", out _), "Only the admin API is in the document.");
        using var ui = await http.GetAsync(new Uri("api/docs/index.html", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ALostAuthenticatorApp_IsRemovedByTheHelpdesk_AndTheUserIsTold()
    {
        using var http = await ClientAsync("admin.users");
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", authenticator: true);

        using var removed = await http.DeleteAsync(new Uri($"api/v1/users/{user.Id}/authenticator", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await using var scope = Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
        Assert.Null(stored!.AuthenticatorSecretProtected);
        Assert.NotEmpty(await RecoveryData.MessagesToAsync(Idp, user.Email!));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSecondFactorChanged && e.Reason!.Contains("authenticator app removed", StringComparison.Ordinal));
    }

    private Task<HttpClient> ClientAsync(string scope) => AdminApiClient.CreateAsync(Idp, scope);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
