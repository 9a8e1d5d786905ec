using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Audit;

internal static class AuditExtensions
{
    /// <summary>The audit log, the events written for every denied page and every sign-out, and the retention of old rows.</summary>
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<DeferredAudit>();
        builder.Services.AddScoped(typeof(PolicyEditor<>));

        // A signed-in person refused by a page's authorization policy (e.g. the admin pages without a staff role).
        builder.Services.AddSingleton<AuthorizationMiddlewareResultHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditedAuthorizationResultHandler>();

        // Every end of a browser session (sign-out page, RP-initiated logout, a session found invalid).
        builder.Services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, options =>
        {
            var inner = options.Events.OnSigningOut;
            options.Events.OnSigningOut = async context =>
            {
                var user = AuditLog.ActorOf(context.HttpContext);
                if (user is not null)
                {
                    await context.HttpContext.RequestServices.GetRequiredService<AuditLog>()
                        .WriteAsync(AuditEventTypes.SignedOut, user, AuditLog.Success, context.HttpContext.Request.Path.Value, context.HttpContext.RequestAborted);
                }

                await inner(context);
            };
        });

        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(RetentionService.AuditEvents);
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RetentionService>());
        return builder;
    }

    /// <summary>Writes <see cref="AuditEventTypes.AccessDenied"/> when a signed-in person is refused, then answers as usual.</summary>
    private sealed class AuditedAuthorizationResultHandler(AuthorizationMiddlewareResultHandler inner) : IAuthorizationMiddlewareResultHandler
    {
        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Forbidden && AuditLog.ActorOf(context) is { } person)
            {
                await context.RequestServices.GetRequiredService<AuditLog>()
                    .WriteAsync(AuditEventTypes.AccessDenied, person, AuditLog.Failure, context.Request.Path.Value, context.RequestAborted);
            }

            await inner.HandleAsync(next, context, policy, authorizeResult);
        }
    }
}
