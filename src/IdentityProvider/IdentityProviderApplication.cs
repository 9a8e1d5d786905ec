using IdentityProvider.Account;
using IdentityProvider.Admin;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Demo;
using IdentityProvider.Directories;
using IdentityProvider.Hosting;
using IdentityProvider.Localization;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using IdentityProvider.Oidc;
using IdentityProvider.Passwords;
using IdentityProvider.Resilience;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.Passkeys;
using IdentityProvider.Telemetry;
using Microsoft.Extensions.Options;

namespace IdentityProvider;

/// <summary>The composition root: each module adds its services and maps its endpoints.</summary>
public static partial class IdentityProviderApplication
{
    /// <summary>Builds the server. <paramref name="configure"/> lets tests adjust services before the build.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(IdentityProviderApplication).Assembly.GetName().Name,
        });

        builder.AddHosting()
            .AddTelemetry()
            .AddLanguages()
            .AddResilience()
            .AddData(CompiledModel)
            .AddAccount()
            .AddPasswords()
            .AddAudit()
            .AddLockout()
            .AddDirectories()
            .AddMessaging()
            .AddSelfService()
            .AddOidcServer()
            .AddAdmin()
            .AddDemo();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseHosting();
        app.UseLanguages();
        app.UseResilience();
        app.UseMiddleware<DeferredAuditFlush>();
        // Before OpenIddict (in UseAuthentication) sees a preflight: only the protocol endpoints browser apps call.
        app.UseCors();
        app.UseProtocolDocuments();
        app.UseRouting();
        app.UsePageMethods();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealth();
        app.MapOidcEndpoints();
        app.MapPasswordEndpoints();
        app.MapPasskeys();
        app.MapDevMailbox();
        app.MapRazorPages();
        app.MapAdmin();
        return app;
    }

    /// <summary>Migrates (when configured) and seeds the demo organisation (when configured) before serving.</summary>
    public static async Task PrepareAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        if (scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }

        if (scope.ServiceProvider.GetRequiredService<IOptions<DemoOptions>>().Value.Seed)
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The <c>migrate</c> command's host: configuration (the same sources as the server's), logging and the database, so
    /// that a migration job needs only a connection string, none of the server's keys, issuer or certificates.
    /// </summary>
    public static IHost BuildMigrator(string[] args)
    {
        // The server reads ASPNETCORE_ENVIRONMENT; a generic host only DOTNET_ENVIRONMENT: read both, in the server's order.
        var configuration = new ConfigurationManager();
        configuration.AddEnvironmentVariables("ASPNETCORE_");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ApplicationName = typeof(IdentityProviderApplication).Assembly.GetName().Name,
            Configuration = configuration,
        });
        builder.AddDatabase(CompiledModel);
        return builder.Build();
    }

    /// <summary>The <c>migrate</c> command: applies the migrations of the configured provider and exits.</summary>
    public static async Task MigrateAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.Services.CreateAsyncScope();
        _ = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value; // invalid settings fail here, in one line
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
    }

    private static Microsoft.EntityFrameworkCore.Metadata.IModel? CompiledModel(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => CompiledModels.PostgreSql.PostgreSqlDbContextModel.Instance,
        DatabaseProvider.Sqlite => CompiledModels.Sqlite.SqliteDbContextModel.Instance,
        _ => null,
    };
}
