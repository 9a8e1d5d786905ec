using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Account;

internal static class AccountExtensions
{
    /// <summary>ASP.NET Core Identity (users, roles, lockout counters, the session cookie) and the sign-in pages.</summary>
    public static WebApplicationBuilder AddAccount(this WebApplicationBuilder builder)
    {
        builder.Services.AddIdentity<ApplicationUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
                // Password rules live in the one password policy (Passwords/), not in Identity's options.
                options.Password.RequiredLength = 1;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                // Counting and lockout durations belong to the Lockout module; Identity's LockoutEnd marks a locked account.
                options.Lockout.AllowedForNewUsers = true;
                options.ClaimsIdentity.UserIdClaimType = OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject;
                options.ClaimsIdentity.UserNameClaimType = OpenIddict.Abstractions.OpenIddictConstants.Claims.Name;
                options.ClaimsIdentity.RoleClaimType = OpenIddict.Abstractions.OpenIddictConstants.Claims.Role;
            })
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddSignInManager<ApplicationSignInManager>()
            .AddDefaultTokenProviders()
            .AddErrorDescriber<LocalizedIdentityErrors>();
        builder.Services.AddTexts<AccountText>();

        // Server-side sessions: the cookie names a session row, checked at every request (not every 5 minutes).
        builder.Services.AddOptions<UserSessionOptions>().BindConfiguration(UserSessionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<UserSessions>();
        builder.Services.AddHostedService<SessionPruningService>();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "idp.session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = "/Account/Login";
            cookie.LogoutPath = "/Account/Logout";
            cookie.AccessDeniedPath = "/Account/AccessDenied";
            // The server-side session decides how long a sign-in lasts (absolute lifetime, idle timeout).
            cookie.SlidingExpiration = false;
            cookie.Events.OnValidatePrincipal = SessionCookieEvents.ValidatePrincipalAsync;
            cookie.Events.OnSigningOut = SessionCookieEvents.SigningOutAsync;
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<Microsoft.Extensions.Options.IOptions<UserSessionOptions>>((cookie, sessions) => cookie.ExpireTimeSpan = sessions.Value.AbsoluteLifetime);
        // A sign-in whose password was right but must be changed first: only the forced-change page accepts it.
        builder.Services.AddAuthentication().AddPendingSignInCookie(PendingPasswordChange.Scheme, "idp.pending");
        builder.Services.AddScoped<PasswordChanger>();
        builder.Services.AddScoped<SignInSteps>();
        builder.Services.AddScoped<SignInCompletion>();
        builder.Services.AddScoped<ISignInStep, ForcedChangeStep>();
        builder.Services.AddScoped<ISignInStep, PasswordExpiryWarningStep>();
        builder.Services.AddScoped<ReturnUrls>();
        builder.Services.AddSingleton<SignInPauses>();
        builder.Services.AddSingleton<TemporaryPasswords>();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "idp.antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        builder.Services.AddRazorPages(options =>
        {
            // Pages live in their module folders (Account/, Demo/) rather than a Pages/ folder.
            options.RootDirectory = "/";
            options.Conventions.AuthorizeFolder("/Account");
            options.Conventions.AllowAnonymousToPage("/Account/Login");
            options.Conventions.AllowAnonymousToPage("/Account/Logout");
            options.Conventions.AllowAnonymousToPage("/Account/SignedOut");
            options.Conventions.AllowAnonymousToPage("/Account/AccessDenied");
            options.Conventions.AllowAnonymousToPage("/Account/ForcedChange");
        });
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>
    /// A cookie for a sign-in held half-way (the password was right, a step remains): HttpOnly, SameSite=Lax, 10
    /// minutes without sliding, and read only by the page of that step. Any module's step that holds a sign-in uses it.
    /// </summary>
    public static Microsoft.AspNetCore.Authentication.AuthenticationBuilder AddPendingSignInCookie(
        this Microsoft.AspNetCore.Authentication.AuthenticationBuilder authentication, string scheme, string cookieName) =>
        authentication.AddCookie(scheme, cookie =>
        {
            cookie.Cookie.Name = cookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(10);
            cookie.SlidingExpiration = false;
            cookie.LoginPath = "/Account/Login";
        });
}
