using IdentityProvider.Oidc;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.IntegrationTests.Oidc;

public sealed class TokenPruningTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task Pruning_DeletesOldExpiredTokens_AndKeepsValidOnes()
    {
        await using var scope = fixture.Idp.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var old = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Subject = "pruning-test",
            Type = TokenTypeIdentifiers.RefreshToken,
            Status = Statuses.Redeemed,
            CreationDate = DateTimeOffset.UtcNow.AddDays(-60),
            ExpirationDate = DateTimeOffset.UtcNow.AddDays(-30),
        });
        var current = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Subject = "pruning-test",
            Type = TokenTypeIdentifiers.RefreshToken,
            Status = Statuses.Valid,
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddDays(14),
        });
        var oldId = await tokens.GetIdAsync(old);
        var currentId = await tokens.GetIdAsync(current);

        var pruner = fixture.Idp.Services.GetServices<IHostedService>().OfType<TokenPruningService>().Single();
        await pruner.PruneOnceAsync(CancellationToken.None);

        await using var check = fixture.Idp.CreateScope();
        var after = check.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        Assert.Null(await after.FindByIdAsync(oldId!));
        Assert.NotNull(await after.FindByIdAsync(currentId!));
    }
}
