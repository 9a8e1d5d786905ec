using IdentityProvider.Data;

namespace IdentityProvider.Lockout;

internal static class LockoutExtensions
{
    /// <summary>Smart lockout (shared counters, familiar devices), the password verifier and per-IP throttles.</summary>
    public static WebApplicationBuilder AddLockout(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LockoutOptions>().BindConfiguration(LockoutOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.FirstLockout <= o.MaximumLockout, "Lockout:FirstLockout must not exceed Lockout:MaximumLockout.")
            .ValidateOnStart();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ServerSecrets>();
        builder.Services.AddSingleton<FamiliarDevices>();
        builder.Services.AddScoped<LockoutPolicyStore>();
        builder.Services.AddScoped<LockoutCounters>();
        builder.Services.AddScoped<PasswordVerifier>();
        builder.Services.AddScoped<RequestThrottle>();
        return builder;
    }
}
