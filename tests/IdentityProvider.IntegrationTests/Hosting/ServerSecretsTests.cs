using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Hosting;

public sealed class ServerSecretsFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server) => server.Nodes = 2;
}

/// <summary>A server secret is made once, whoever asks first, on whichever node.</summary>
public sealed class ServerSecretsTests(ServerSecretsFixture fixture) : IClassFixture<ServerSecretsFixture>
{
    [Fact]
    public async Task ANewSecretAskedForAtOnceOnTwoNodes_IsOneSecret_InOneRow()
    {
        var name = "test-" + Guid.NewGuid().ToString("N");
        var secrets = fixture.Nodes.Select(node => node.Services.GetRequiredService<ServerSecrets>()).ToList();

        var values = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => secrets[i % 2].GetAsync(name))));

        Assert.Equal(32, values[0].Length);
        Assert.All(values, value => Assert.Equal(values[0], value));
        await using var scope = fixture.Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.Equal(1, await db.Set<ServerSecret>().CountAsync(s => s.Name == name));
    }
}
