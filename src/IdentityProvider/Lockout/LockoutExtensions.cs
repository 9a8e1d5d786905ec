using IdentityProvider.Data;

namespace IdentityProvider.Lockout;

internal static class LockoutExtensions
{
    /// <summary>Smart lockout (shared counters, familiar devices), the password verifier and per-IP throttles.</summary>
    public static WebApplicationBuilder AddLockout(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LockoutOptions>().BindConfiguration(LockoutOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddStoredPolicy<LockoutPolicySettings>(LockoutOptions.SectionName);
        builder.Services.AddSingleton<ServerSecrets>();
        builder.Services.AddSingleton<FamiliarDevices>();
        builder.Services.AddScoped<LockoutCounters>();
        builder.Services.AddScoped<PasswordVerifier>();
        builder.Services.AddScoped<RequestThrottle>();
        return builder;
    }
}
