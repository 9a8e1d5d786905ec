using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Localization;
using IdentityProvider.SelfService.Captcha;
using IdentityProvider.SelfService.Passkeys;
using IdentityProvider.SelfService.SecurityInfo;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService;

internal static class SelfServiceExtensions
{
    /// <summary>The self-service password reset module: its policy, eligibility rules, CAPTCHA, verification methods and the reset/unlock journey.</summary>
    public static WebApplicationBuilder AddSelfService(this WebApplicationBuilder builder)
    {
        builder.Services.AddTexts<SelfServiceText>();
        builder.Services.AddSecurityInfoTexts();
        builder.Services.AddOptions<SelfServiceOptions>().BindConfiguration(SelfServiceOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                o => o.CustomQuestions.Count <= SecurityQuestions.MaximumCustomQuestions && o.CustomQuestions.All(q => q.Trim().Length is >= 3 and <= 200),
                "SelfService:CustomQuestions takes at most 20 questions of 3 to 200 characters.")
            .ValidateOnStart();
        builder.Services.AddStoredPolicy<SelfServicePolicySettings>(SelfServiceOptions.SectionName);
        builder.Services.AddScoped<IPolicySeeding<SelfServicePolicySettings>, SelfServicePolicySeeding>();
        builder.Services.AddStoredPolicy<MultiFactor.MultiFactorPolicySettings>(MultiFactor.MultiFactorPolicySettings.SectionName);
        builder.Services.AddScoped<SelfServiceEligibilityEvaluator>();
        builder.Services.AddScoped<Verification.VerificationCodes>();
        builder.Services.AddScoped<SecurityQuestions>();
        builder.Services.AddScoped<Verification.AuthenticatorCodes>();
        builder.Services.AddScoped<Verification.SecondFactorCheck>();
        builder.Services.AddScoped<Recovery.RecoveryJourneys>();
        builder.Services.AddScoped<Recovery.RecoveryThrottle>();
        builder.Services.AddScoped<Recovery.RecoveryGates>();
        builder.Services.AddScoped<Recovery.RecoveryCompletion>();
        builder.Services.AddScoped<Recovery.ResetNotices>();
        builder.Services.AddHostedService<Recovery.RecoverySweeper>();
        builder.Services.AddScoped<Account.Sessions.ISessionsEndedHandler, SelfServiceSessionsEnded>();
        builder.Services.AddScoped<SecurityInfo.SecurityInfoChanges>();
        builder.Services.AddSingleton<SecurityInfo.PendingChanges>();
        builder.Services.AddScoped<SecurityInfo.RegistrationCheck>();
        builder.Services.AddScoped<Account.ISignInStep, SecurityInfo.RegistrationStep>();
        builder.Services.AddScoped<Helpdesk.HelpdeskRequests>();
        MultiFactor.MultiFactorExtensions.AddMultiFactor(builder);
        builder.Services.AddRetentionRule(nameof(RetentionOptions.VerificationCodes), (db, settings, now, cancellationToken) =>
        {
            var before = (now - settings.VerificationCodes).ToUnixTimeMilliseconds();
            return db.Set<Verification.VerificationCode>().Where(c => c.ExpiresAt < before).ExecuteDeleteAsync(cancellationToken);
        });
        builder.Services.AddRetentionRule(nameof(RetentionOptions.HelpdeskRequests), (db, settings, now, cancellationToken) =>
        {
            var before = now - settings.HelpdeskRequests;
            return db.Set<Helpdesk.HelpdeskRequest>().Where(r => r.Status == Helpdesk.HelpdeskRequestStatus.Resolved && r.ResolvedAt < before)
                .ExecuteDeleteAsync(cancellationToken);
        });
        builder.Services.AddPasskeys();
        builder.AddCaptcha();
        return builder;
    }
}
