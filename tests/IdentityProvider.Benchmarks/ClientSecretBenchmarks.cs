using BenchmarkDotNet.Attributes;
using IdentityProvider.Data;
using IdentityProvider.Oidc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// What a token request pays to check a client secret: OpenIddict's default (PBKDF2) against this server's fast
/// check for generated secrets. Both go through the real application managers on an in-memory SQLite store.
/// </summary>
public class ClientSecretBenchmarks
{
    private readonly string secret = ClientSecrets.Generate();
    private SqliteConnection connection = null!;
    private ServiceProvider defaultServices = null!;
    private ServiceProvider fastServices = null!;
    private object defaultApplication = null!;
    private object fastApplication = null!;
    private IOpenIddictApplicationManager defaultManager = null!;
    private IOpenIddictApplicationManager fastManager = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        (defaultServices, defaultManager, defaultApplication) = await CreateAsync(fast: false, "default-client");
        (fastServices, fastManager, fastApplication) = await CreateAsync(fast: true, "fast-client");
    }

    [Benchmark(Baseline = true)]
    public ValueTask<bool> OpenIddictDefault() => defaultManager.ValidateClientSecretAsync(defaultApplication, secret);

    [Benchmark]
    public ValueTask<bool> GeneratedSecretFastCheck() => fastManager.ValidateClientSecretAsync(fastApplication, secret);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await defaultServices.DisposeAsync();
        await fastServices.DisposeAsync();
        await connection.DisposeAsync();
    }

    private async Task<(ServiceProvider, IOpenIddictApplicationManager, object)> CreateAsync(bool fast, string clientId)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<ApplicationDbContext, SqliteDbContext>(db => db.UseSqlite(connection).UseOpenIddict());
        services.AddOpenIddict().AddCore(core =>
        {
            core.UseEntityFrameworkCore().UseDbContext<ApplicationDbContext>();
            if (fast)
            {
                core.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, ApplicationManager>();
            }
        });
        var provider = services.BuildServiceProvider();
        var scope = provider.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Database.MigrateAsync();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = OpenIddictConstants.ClientTypes.Confidential,
        });
        return (provider, manager, application);
    }
}
