namespace IdentityProvider.SelfService.Passkeys;

/// <summary>Passkeys (WebAuthn): the relying party, the ceremonies' state, the credential store and their endpoints.</summary>
internal static class PasskeysExtensions
{
    public static IServiceCollection AddPasskeys(this IServiceCollection services)
    {
        services.AddSingleton<PasskeyRelyingParty>();
        services.AddScoped<PasskeyCeremonies>();
        services.AddScoped<PasskeyCredentials>();
        return services;
    }

    /// <summary>The endpoints of passwordless sign-in and of a passkey as second factor.</summary>
    public static IEndpointRouteBuilder MapPasskeys(this IEndpointRouteBuilder app)
    {
        app.MapPasskeySignIn();
        app.MapPasskeySecondFactor();
        return app;
    }
}

/// <summary>What every passkey endpoint says alike.</summary>
internal static class PasskeyEndpoints
{
    public const string PageExpired = "The page has expired. Reload it and try again.";
}
