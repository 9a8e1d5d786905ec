using IdentityProvider.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Demo;

internal static partial class DemoExtensions
{
    public static WebApplicationBuilder AddDemo(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !(builder.Environment.IsProduction() && (o.Seed || o.EnableDemoPage)),
                "The demo organisation (Demo:Seed, Demo:EnableDemoPage) is refused in the Production environment: its passwords are published.")
            .ValidateOnStart();
        builder.Services.AddScoped<DemoSeeder>();
        builder.Services.AddHostedService<DemoBanner>();
        return builder;
    }
}

/// <summary>Prints where the server listens and the demo credentials once it has started.</summary>
internal sealed partial class DemoBanner(
    IHostApplicationLifetime lifetime,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    IOptions<DemoOptions> demo,
    IOptions<OrganizationOptions> organization,
    ILogger<DemoBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!demo.Value.Seed)
        {
            return Task.CompletedTask;
        }

        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            var origin = (addresses.FirstOrDefault() ?? demo.Value.PublicOrigin.ToString()).TrimEnd('/');
            var settings = demo.Value;
            LogBanner(logger, organization.Value.Name, origin, settings.AdminPassword, DemoSeeder.StaffAuthenticatorSecret, settings.UserPassword, settings.ServiceClientSecret);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = """

        {Organization} identity provider (embedded default) is running.
          Sign-in page:      {Origin}/Account/Login
          Discovery:         {Origin}/.well-known/openid-configuration
          Demo app:          {Origin}/demo
          Dev mailbox:       {Origin}/dev/mailbox
          Demo user:         demo / {UserPassword}
          Demo admin:        admin / {AdminPassword} (step-up: authenticator key {StaffAuthenticatorSecret})
          Service client:    demo-service / {ServiceSecret} (client_credentials, scope api)
        """)]
    private static partial void LogBanner(ILogger logger, string organization, string origin, string adminPassword, string staffAuthenticatorSecret, string userPassword, string serviceSecret);
}
