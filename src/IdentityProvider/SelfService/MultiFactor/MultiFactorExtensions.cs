using IdentityProvider.Account;

namespace IdentityProvider.SelfService.MultiFactor;

internal static class MultiFactorExtensions
{
    /// <summary>Multi-factor sign-in: the policy's rules, the pending cookie, the sign-in steps, backup codes and remembered browsers.</summary>
    public static WebApplicationBuilder AddMultiFactor(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<MultiFactorRequirement>();
        builder.Services.AddScoped<PendingSecondFactors>();
        builder.Services.AddScoped<SecondFactorSignIn>();
        builder.Services.AddScoped<BackupCodes>();
        builder.Services.AddSingleton<RememberedBrowsers>();
        builder.Services.AddScoped<ISignInStep, SecondFactorStep>();
        builder.Services.AddScoped<ISignInStep, SecondFactorSessionStep>();

        // A sign-in whose password was right and which waits for its second factor: only the second-factor page accepts it.
        builder.Services.AddAuthentication().AddPendingSignInCookie(PendingSecondFactors.Scheme, "idp.pending-mfa");
        return builder;
    }
}
