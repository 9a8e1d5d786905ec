using IdentityProvider.IntegrationTests;
using IdentityProvider.Testing;

[assembly: AssemblyFixture(typeof(PostgresLifetime))]

namespace IdentityProvider.IntegrationTests;

/// <summary>Starts PostgreSQL once for the assembly (failing loudly if there is none) and stops it at the end.</summary>
public sealed class PostgresLifetime : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await PostgresServer.GetAsync();

    public async ValueTask DisposeAsync() => await PostgresServer.StopSharedAsync();
}
