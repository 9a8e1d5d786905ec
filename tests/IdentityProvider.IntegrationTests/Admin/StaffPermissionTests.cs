using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Admin;
using IdentityProvider.Admin.Users;
using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>
/// Least privilege, one cell at a time: what each staff role may do to each kind of account, through the one check that
/// the admin pages and the admin API share (<see cref="AdminActionGuard"/>); then the same refusals seen on a page and
/// through the API, and the notices of contact changes.
/// </summary>
public sealed class StaffPermissionTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private const string Ordinary = "";

    /// <summary>The table of Admin/README.md: actor role → target role ("" for no staff role) → actions allowed.</summary>
    private static readonly Dictionary<string, Dictionary<string, AccountAction[]>> Allowed = new()
    {
        [StaffRoles.Administrator] = new()
        {
            [Ordinary] = Enum.GetValues<AccountAction>(),
            [StaffRoles.Auditor] = Enum.GetValues<AccountAction>(),
            [StaffRoles.Helpdesk] = Enum.GetValues<AccountAction>(),
            [StaffRoles.Administrator] = Enum.GetValues<AccountAction>(),
        },
        [StaffRoles.Helpdesk] = new()
        {
            [Ordinary] =
            [
                AccountAction.View, AccountAction.Create, AccountAction.EditProfile, AccountAction.ResetPassword,
                AccountAction.Unlock, AccountAction.RevokeSessions, AccountAction.SetEnabled, AccountAction.RemoveAuthenticator,
                AccountAction.ManageSignInMethods,
            ],
            [StaffRoles.Auditor] = [],
            [StaffRoles.Helpdesk] = [],
            [StaffRoles.Administrator] = [],
        },
        [StaffRoles.Auditor] = new()
        {
            [Ordinary] = [],
            [StaffRoles.Auditor] = [],
            [StaffRoles.Helpdesk] = [],
            [StaffRoles.Administrator] = [],
        },
    };

    private IdentityProviderHost Idp => fixture.Idp;

    public static TheoryData<string, string, AccountAction> Cells()
    {
        var cells = new TheoryData<string, string, AccountAction>();
        foreach (var actor in Allowed.Keys)
        {
            foreach (var target in Allowed[actor].Keys)
            {
                foreach (var action in Enum.GetValues<AccountAction>().Where(a => a != AccountAction.Create || target == Ordinary))
                {
                    cells.Add(actor, target, action);
                }
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task EachRole_DoesToEachKindOfAccount_OnlyWhatTheTableAllows(string actorRole, string targetRole, AccountAction action)
    {
        var expected = Allowed[actorRole][targetRole].Contains(action);
        var staff = await RecoveryData.CreateUserAsync(Idp, role: actorRole);
        var target = await RecoveryData.CreateUserAsync(Idp, role: targetRole.Length == 0 ? null : targetRole, authenticator: true);
        await using var scope = Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        T Action<T>() where T : notnull => scope.ServiceProvider.GetRequiredService<T>();
        var actor = await Action<AdminActionGuard>().ActorAsync((await users.FindByIdAsync(staff.Id))!);
        var account = (await users.FindByIdAsync(target.Id))!;
        var stampBefore = account.SecurityStamp;

        var done = action switch
        {
            AccountAction.View => await Action<AdminActionGuard>().MayActOnAsync(actor, account, AccountAction.View),
            AccountAction.Create => (await Action<CreateUserAction>().RunAsync(actor, new CreateUserRequest("new" + Guid.NewGuid().ToString("N")[..8], $"{Guid.NewGuid():N}@example.org", null, null, null))).User is not null,
            AccountAction.EditProfile => (await Action<UpdateUserAction>().RunAsync(actor, account, new UpdateUserRequest("Renamed", null, null, null, null, null, null, null))).Result == AdminActionResult.Done,
            AccountAction.ResetPassword => (await Action<ResetPasswordAction>().RunAsync(actor, account)).Result == AdminActionResult.Done,
            AccountAction.Unlock => await Action<UnlockAction>().RunAsync(actor, account) == AdminActionResult.Done,
            AccountAction.RevokeSessions => await Action<RevokeSessionsAction>().RunAsync(actor, account) == AdminActionResult.Done,
            AccountAction.SetEnabled => await Action<SetEnabledAction>().RunAsync(actor, account, enabled: false) == AdminActionResult.Done,
            AccountAction.RemoveAuthenticator => await Action<RemoveAuthenticatorAction>().RunAsync(actor, account) == AdminActionResult.Done,
            AccountAction.ManageSignInMethods => await Action<RequireSecondFactorRegistrationAction>().RunAsync(actor, account) == AdminActionResult.Done,
            AccountAction.SetRoles => await Action<SetRolesAction>().RunAsync(actor, account, [.. await users.GetRolesAsync(account), StaffRoles.Auditor]) == AdminActionResult.Done,
            AccountAction.SetGroups => await Action<SetGroupAction>().RunAsync(actor, account, await GroupAsync(), member: true) == AdminActionResult.Done,
            AccountAction.SetPasswordManagedExternally => await Action<SetManagedExternallyAction>().RunAsync(actor, account, external: true) == AdminActionResult.Done,
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        Assert.Equal(expected, done);
        if (!expected && action != AccountAction.Create)
        {
            // A refusal changes nothing: same name, password, stamp, state, roles, authenticator app.
            await using var check = Idp.CreateScope();
            var stored = (await check.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(target.Id))!;
            Assert.Equal((target.GivenName, stampBefore, true, false, false), (stored.GivenName, stored.SecurityStamp, stored.IsEnabled, stored.PasswordManagedExternally, stored.MustChangePassword));
            Assert.NotNull(stored.AuthenticatorSecretProtected);
        }
    }

    [Fact]
    public async Task TheHelpdesk_CannotResetAnAuditorsPassword_OnThePage_OrThroughTheApi()
    {
        var auditor = await RecoveryData.CreateUserAsync(Idp, role: StaffRoles.Auditor);
        var (_, helpdesk) = await StaffSession.StartAsync(Idp, StaffRoles.Helpdesk);
        using var _ = helpdesk;

        await helpdesk.OpenAsync($"admin/users/{auditor.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, helpdesk.Page.StatusCode);
        Assert.DoesNotContain(auditor.Email!, helpdesk.Html, StringComparison.OrdinalIgnoreCase);
        await helpdesk.OpenAsync("Account");
        using (var content = helpdesk.FormContent([], "SignOutEverywhere"))
        using (var forced = await helpdesk.Client.PostAsync(new Uri($"admin/users/{auditor.Id}?handler=ResetPassword", UriKind.Relative), content))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forced.StatusCode);
            Assert.DoesNotContain("Temporary password", await forced.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var api = await PersonsApiClientAsync(StaffRoles.Helpdesk);
        using var reset = await api.PostAsync(new Uri($"api/v1/users/{auditor.Id}/password-reset", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        using var details = await api.GetAsync(new Uri($"api/v1/users/{auditor.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, details.StatusCode);

        await using var scope = Idp.CreateScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(auditor.Id))!;
        Assert.Equal((auditor.SecurityStamp, false), (stored.SecurityStamp, stored.MustChangePassword));
    }

    [Fact]
    public async Task AnAdministratorsChangeToContactData_IsEmailedToTheUser_AtTheOldAndTheNewAddresses()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@old-home.example", "+447400100200"));
        var (_, admin) = await StaffSession.StartAsync(Idp, StaffRoles.Administrator);
        using var _ = admin;
        var (newEmail, newAlternate) = ($"{user.UserName}@new-work.example", $"{user.UserName}@new-home.example");

        await admin.OpenAsync($"admin/users/{user.Id}");
        await admin.SubmitAsync(new() { ["Profile.Email"] = newEmail, ["Profile.AlternateEmail"] = newAlternate, ["Profile.MobilePhone"] = "+447400100300" }, "Profile");
        Assert.Contains("The profile is saved.", admin.Alert, StringComparison.Ordinal);

        var notices = await fixture.MessagesAsync("contact-details-changed");
        var told = notices.Where(m => m.TextBody.Contains(user.UserName!, StringComparison.Ordinal)).Select(m => m.Recipient).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(new HashSet<string>([user.Email!, user.AlternateEmail!, newEmail, newAlternate], StringComparer.OrdinalIgnoreCase), told);
        var notice = notices.First(m => m.Recipient == user.Email);
        Assert.Contains("primary email address, alternate email address, mobile phone number", notice.TextBody, StringComparison.Ordinal);

        // A change of the name alone is not contact data: nothing is sent.
        await admin.OpenAsync($"admin/users/{user.Id}");
        await admin.SubmitAsync(new() { ["Profile.GivenName"] = "Renamed" }, "Profile");
        Assert.Equal(notices.Count, (await fixture.MessagesAsync("contact-details-changed")).Count);
    }

    private async Task<Guid> GroupAsync()
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var group = new Group { Name = "Permissions-" + Guid.NewGuid().ToString("N")[..8] };
        db.Add(group);
        await db.SaveChangesAsync();
        return group.Id;
    }

    /// <summary>A person of <paramref name="role"/> signed in through a code-flow client holding the admin.users scope: their token for the API.</summary>
    private async Task<HttpClient> PersonsApiClientAsync(string role)
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
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + AdminApi.UsersScope);
            await applications.UpdateAsync(app!, descriptor);
        }

        var person = await RecoveryData.CreateUserAsync(Idp, role: role);
        var browser = new AuthorizationCodeClient(Idp);
        await browser.SignInAsync(person.UserName!, TestData.Password);
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await browser.GetCodeAsync(clientId, redirect, challenge, "openid " + AdminApi.UsersScope);
        using var tokens = new HttpClient();
        var token = await tokens.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier,
        });
        Assert.False(token.IsError, token.Error);
        var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        http.SetBearerToken(token.AccessToken!);
        return http;
    }
}
