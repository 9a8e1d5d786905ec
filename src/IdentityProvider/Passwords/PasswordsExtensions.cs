using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityProvider.Passwords;

internal static class PasswordsExtensions
{
    /// <summary>The password policy, its Identity validator, history-keeping user manager and hashing strength.</summary>
    public static WebApplicationBuilder AddPasswords(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasswordPolicyOptions>().BindConfiguration(PasswordPolicyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddStoredPolicy<PasswordPolicySettings>(PasswordPolicyOptions.SectionName);

        var iterations = builder.Configuration.GetValue<int?>($"{PasswordPolicyOptions.SectionName}:{nameof(PasswordPolicyOptions.LegacyPbkdf2Iterations)}")
            ?? new PasswordPolicyOptions().LegacyPbkdf2Iterations;
        builder.Services.Configure<PasswordHasherOptions>(options =>
        {
            options.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            options.IterationCount = iterations;
        });

        builder.Services.AddSingleton<PasswordHashGate>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IPasswordHasher<ApplicationUser>, Argon2PasswordHasher>());
        builder.Services.AddScoped<PasswordPolicy>();
        builder.Services.RemoveAll<IPasswordValidator<ApplicationUser>>();
        builder.Services.AddScoped<IPasswordValidator<ApplicationUser>, PasswordPolicyValidator>();
        builder.Services.AddScoped<ApplicationUserManager>();
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(options => options.Filters.Add<PasswordLength.WarmUp>());
        builder.Services.Replace(ServiceDescriptor.Scoped<UserManager<ApplicationUser>>(services => services.GetRequiredService<ApplicationUserManager>()));
        return builder;
    }
}
