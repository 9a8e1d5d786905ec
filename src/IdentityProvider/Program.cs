using IdentityProvider;

var app = IdentityProviderApplication.Build(args.Where(arg => arg != "migrate").ToArray());

if (args.Contains("migrate"))
{
    // Production schema changes are a deliberate step: `IdentityProvider migrate`, then start the server.
    await app.MigrateAsync();
    return;
}

await app.PrepareAsync();
await app.RunAsync();
