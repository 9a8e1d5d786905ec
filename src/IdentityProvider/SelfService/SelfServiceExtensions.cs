using IdentityProvider.Data;
using IdentityProvider.SelfService.Captcha;

namespace IdentityProvider.SelfService;

internal static class SelfServiceExtensions
{
    /// <summary>The self-service password reset module: its policy, eligibility rules, CAPTCHA, verification methods and the reset/unlock journey.</summary>
    public static WebApplicationBuilder AddSelfService(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SsprOptions>().BindConfiguration(SsprOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                o => o.CustomQuestions.Count <= SecurityQuestions.MaximumCustomQuestions && o.CustomQuestions.All(q => q.Trim().Length is >= 3 and <= 200),
                "SelfService:CustomQuestions takes at most 20 questions of 3 to 200 characters.")
            .ValidateOnStart();
        builder.Services.AddStoredPolicy<SelfServicePolicySettings>(SsprOptions.SectionName);
        builder.Services.AddScoped<IPolicySeeding<SelfServicePolicySettings>, SelfServicePolicySeeding>();
        builder.Services.AddScoped<SsprEligibilityEvaluator>();
        builder.Services.AddScoped<Verification.VerificationCodes>();
        builder.Services.AddScoped<SecurityQuestions>();
        builder.Services.AddScoped<Verification.AuthenticatorCodes>();
        builder.Services.AddScoped<Verification.SecondFactorCheck>();
        builder.Services.AddScoped<Recovery.RecoveryJourneys>();
        builder.Services.AddScoped<Recovery.RecoveryThrottle>();
        builder.Services.AddScoped<Recovery.RecoveryGates>();
        builder.Services.AddScoped<Recovery.RecoveryCompletion>();
        builder.Services.AddHostedService<Recovery.RecoverySweeper>();
        builder.Services.AddScoped<Account.Sessions.ISessionsEndedHandler, SelfServiceSessionsEnded>();
        builder.Services.AddScoped<SecurityInfo.SecurityInfoChanges>();
        builder.Services.AddScoped<SecurityInfo.RegistrationCheck>();
        builder.AddCaptcha();
        return builder;
    }
}
