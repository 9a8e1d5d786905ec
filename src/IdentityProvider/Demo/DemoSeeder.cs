using IdentityProvider.Admin;
using IdentityProvider.Data;
using IdentityProvider.Oidc;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Demo;

/// <summary>Creates the demo organisation of the embedded default. Safe to run at every start.</summary>
internal sealed partial class DemoSeeder(
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOpenIddictApplicationManager applications,
    IOpenIddictScopeManager scopes,
    IOptions<DemoOptions> options,
    ApplicationDbContext db,
    StoredPolicy<SelfServicePolicySettings> selfServicePolicy,
    SecurityQuestions questions,
    AuthenticatorCodes authenticator,
    TimeProvider time,
    ILogger<DemoSeeder> logger)
{
    public const string SpaClientId = "demo-spa";
    public const string PartnerClientId = "demo-partner";
    public const string ServiceClientId = "demo-service";
    public const string ApiScope = "api";
    public const string ApiResource = "demo-api";
    public const string StaffGroup = "Staff";

    /// <summary>The demo authenticator secret of <c>riley</c> (Base32), published so the journey can be walked by hand.</summary>
    public const string RileyAuthenticatorSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    /// <summary>
    /// The demo authenticator secret of the staff accounts <c>admin</c> and <c>hugo</c> (Base32), published so the admin
    /// step-up (a second factor, never the password) can be tried: add it to any authenticator app.
    /// </summary>
    public const string StaffAuthenticatorSecret = "GM4DAMBQGAYDAMBQGM4DAMBQGAYDAMBQ";

    /// <summary>Password of every self-service demo user other than <c>demo</c> and <c>admin</c>.</summary>
    public const string RecoveryUsersPassword = "Quiet-Harbour-Compass-58";

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var demo = options.Value;
        foreach (var role in new[] { StaffRoles.Administrator, StaffRoles.Helpdesk, StaffRoles.Auditor })
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)));
            }
        }

        await SeedSelfServiceAsync(demo, cancellationToken);

        if (await scopes.FindByNameAsync(ApiScope, cancellationToken) is null)
        {
            await scopes.CreateAsync(new OpenIddictScopeDescriptor
            {
                Name = ApiScope,
                DisplayName = "Use the demo API on your behalf",
                Resources = { ApiResource },
            }, cancellationToken);
        }

        var origin = demo.PublicOrigin.GetLeftPart(UriPartial.Authority);
        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = SpaClientId,
            DisplayName = "Demo app",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            RedirectUris = { new Uri($"{origin}/demo"), new Uri("http://localhost:8400/callback") },
            PostLogoutRedirectUris = { new Uri($"{origin}/demo"), new Uri("http://localhost:8400/") },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }.WithCodeFlowPermissions(ApiScope), cancellationToken);

        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = PartnerClientId,
            DisplayName = "Partner app (asks for consent)",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Explicit,
            RedirectUris = { new Uri($"{origin}/demo") },
            PostLogoutRedirectUris = { new Uri($"{origin}/demo") },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }.WithCodeFlowPermissions(ApiScope), cancellationToken);

        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ServiceClientId,
            ClientSecret = demo.ServiceClientSecret,
            DisplayName = "Demo service",
            ClientType = ClientTypes.Confidential,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Introspection,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + ApiScope,
            },
        }, cancellationToken);

        LogSeeded(logger);
    }

    /// <summary>
    /// Users for every self-service case, the Staff group self-service is enabled for, and the policy: every method
    /// allowed, one required (two for administrators), registration asked for at sign-in. The multi-factor policy keeps
    /// its configured start (staff only): requiring it for the Staff group is the one-click button of its admin page.
    /// </summary>
    private async Task SeedSelfServiceAsync(DemoOptions demo, CancellationToken cancellationToken)
    {
        var staff = await db.Set<Group>().FirstOrDefaultAsync(g => g.Name == StaffGroup, cancellationToken);
        var staffGroupCreated = staff is null;
        if (staff is null)
        {
            staff = new Group { Name = StaffGroup };
            db.Add(staff);
            await db.SaveChangesAsync(cancellationToken);
        }

        await selfServicePolicy.SeedAsync(new SelfServicePolicySettings
        {
            Scope = SelfServiceScope.Selected,
            Groups = [staff.Id],
            Methods = [.. Enum.GetValues<RecoveryMethod>()],
            RegistrationRequired = true,
        }, cancellationToken);

        // An administrator: two methods, never security questions.
        await EnsureUserAsync("admin", "admin@example.org", "Ada", "Admin", demo.AdminPassword, StaffRoles.Administrator, staff, user =>
        {
            user.AlternateEmail = "ada.admin@home.example.net";
            user.MobilePhone = "+447400123456";
            user.AuthenticatorSecretProtected = authenticator.Protect(StaffAuthenticatorSecret);
        });

        // Registered with an alternate email only.
        await EnsureUserAsync("demo", "demo@example.org", "Dana", "Demo", demo.UserPassword, role: null, staff, user => user.AlternateEmail = "dana@home.example.net");

        // Every method: email, mobile (text and call), office phone, three security questions, authenticator app.
        var riley = await EnsureUserAsync("riley", "riley@example.org", "Riley", "Recovery", RecoveryUsersPassword, role: null, staff, user =>
        {
            user.AlternateEmail = "riley@home.example.net";
            user.MobilePhone = "+447400123123";
            user.OfficePhone = "+441212345678";
            user.AuthenticatorSecretProtected = authenticator.Protect(RileyAuthenticatorSecret);
        });
        if (riley is not null)
        {
            await questions.ReplaceAsync(riley, [("first-pet", "Biscuit"), ("first-school", "Hillside Primary"), ("childhood-street", "Mill Lane")], cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        else
        {
            await EnsureRileyAuthenticatorAsync(cancellationToken);
        }

        // Outside the Staff group: self-service is not enabled for them.
        await EnsureUserAsync("nora", "nora@example.org", "Nora", "Outside", RecoveryUsersPassword, role: null, group: null, user => user.AlternateEmail = "nora@home.example.net");

        // The password lives in another directory.
        await EnsureUserAsync("eli", "eli@example.org", "Eli", "External", RecoveryUsersPassword, role: null, staff, user =>
        {
            user.PasswordManagedExternally = true;
            user.AlternateEmail = "eli@home.example.net";
        });

        // In the Staff group but nothing registered.
        await EnsureUserAsync("sam", "sam@example.org", "Sam", "Unregistered", RecoveryUsersPassword, role: null, staff, configure: null);

        // The helpdesk: receives "contact an administrator" requests.
        await EnsureUserAsync("hugo", "helpdesk@example.org", "Hugo", "Helpdesk", RecoveryUsersPassword, StaffRoles.Helpdesk, group: null,
            user => user.AuthenticatorSecretProtected = authenticator.Protect(StaffAuthenticatorSecret));

        if (staffGroupCreated)
        {
            // The group was missing (deleted, or a database seeded before it existed): its members join it again.
            await EnsureMembersAsync(staff, ["admin", "demo", "riley", "eli", "sam"], cancellationToken);
        }
    }

    /// <summary>
    /// <c>riley</c> shows multi-factor sign-in with the published authenticator key: an app removed (say, while trying
    /// "remove lost authenticator app" in the admin pages) is registered again at the next start; one in place is kept.
    /// </summary>
    private async Task EnsureRileyAuthenticatorAsync(CancellationToken cancellationToken)
    {
        if (await users.FindByNameAsync("riley") is { AuthenticatorSecretProtected: null } riley)
        {
            (riley.AuthenticatorSecretProtected, riley.AuthenticatorRegisteredAt, riley.AuthenticatorLastStep) =
                (authenticator.Protect(RileyAuthenticatorSecret), time.GetUtcNow(), null);
            riley.MultiFactorGraceStartedAt = null;
            Check(await users.UpdateAsync(riley));
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    private async Task EnsureMembersAsync(Group group, IEnumerable<string> userNames, CancellationToken cancellationToken)
    {
        foreach (var userName in userNames)
        {
            if (await users.FindByNameAsync(userName) is { } user
                && !await db.Set<GroupMembership>().AnyAsync(m => m.GroupId == group.Id && m.UserId == user.Id, cancellationToken))
            {
                db.Add(new GroupMembership { GroupId = group.Id, UserId = user.Id });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<ApplicationUser?> EnsureUserAsync(
        string userName, string email, string givenName, string familyName, string password, string? role, Group? group, Action<ApplicationUser>? configure)
    {
        if (await users.FindByNameAsync(userName) is not null)
        {
            return null;
        }

        var user = new ApplicationUser
        {
            UserName = userName,
            Email = email,
            EmailConfirmed = true,
            GivenName = givenName,
            FamilyName = familyName,
            CreatedAt = time.GetUtcNow(),
        };
        configure?.Invoke(user);
        if (user.AlternateEmail is not null)
        {
            user.AlternateEmailRegisteredAt = user.CreatedAt;
        }

        if (user.MobilePhone is not null)
        {
            user.MobilePhoneRegisteredAt = user.CreatedAt;
        }

        if (user.AuthenticatorSecretProtected is not null)
        {
            user.AuthenticatorRegisteredAt = user.CreatedAt;
        }

        Check(await users.CreateAsync(user, password));
        if (role is not null)
        {
            Check(await users.AddToRoleAsync(user, role));
        }

        if (group is not null)
        {
            db.Add(new GroupMembership { GroupId = group.Id, UserId = user.Id });
            await db.SaveChangesAsync();
        }

        return user;
    }

    private async Task EnsureClientAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Seeding the demo organisation failed: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Demo organisation is in place.")]
    private static partial void LogSeeded(ILogger logger);
}
