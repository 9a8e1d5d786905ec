using IdentityProvider.SelfService.Captcha;

namespace IdentityProvider.SelfService;

internal static class SelfServiceExtensions
{
    /// <summary>The self-service password reset module: its policy, eligibility rules and CAPTCHA.</summary>
    public static WebApplicationBuilder AddSelfService(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SsprOptions>().BindConfiguration(SsprOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.QuestionsToReset <= o.QuestionsToRegister, "SelfService:QuestionsToReset must not exceed SelfService:QuestionsToRegister.")
            .ValidateOnStart();
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<SsprPolicyStore>();
        builder.Services.AddScoped<SsprEligibilityEvaluator>();
        builder.Services.AddScoped<Verification.VerificationCodes>();
        builder.Services.AddScoped<SecurityQuestions>();
        builder.Services.AddScoped<Verification.AuthenticatorCodes>();
        builder.AddCaptcha();
        return builder;
    }
}
