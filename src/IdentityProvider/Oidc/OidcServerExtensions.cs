using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

internal static class OidcServerExtensions
{
    /// <summary>
    /// OpenIddict core (EF Core stores), server (protocol endpoints and this server's protocol handlers), local
    /// validation (the admin API), back-channel logout and CORS for the protocol endpoints browser apps call.
    /// </summary>
    public static WebApplicationBuilder AddOidcServer(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName)
            .ValidateDataAnnotations()
            // The admin API looks up each access token's row: a row pruned before its token expires would leave a live
            // token with nothing to check it against.
            .Validate(o => o.PruneAge >= o.AccessTokenLifetime, "Oidc:PruneAge must be at least Oidc:AccessTokenLifetime.")
            // A key must be in every app's copy of the key set before the first token signed with it arrives.
            .Validate(o => o.Keys.RotationLeadTime >= o.DocumentMaxAge, "Oidc:Keys:RotationLeadTime must be at least Oidc:DocumentMaxAge.")
            .Validate(
                o => o.Keys.KeysDirectoryPollInterval >= TimeSpan.FromSeconds(1) && o.Keys.KeysDirectoryPollInterval <= TimeSpan.FromHours(1),
                "Oidc:Keys:KeysDirectoryPollInterval must be between 1 second and 1 hour.")
            .Validate(
                o => o.Keys.RotationLeadTime >= TimeSpan.Zero && o.Keys.RotationLeadTime <= TimeSpan.FromDays(30),
                "Oidc:Keys:RotationLeadTime must be between zero and 30 days.")
            .ValidateOnStart();

        // Read now, not at start: the server's keys and transport rules are fixed while the services are built.
        var options = builder.Configuration.GetSection(OidcOptions.SectionName).Get<OidcOptions>() ?? new OidcOptions();
        if (options.AllowInsecureHttp && builder.Environment.IsProduction())
        {
            throw new OptionsValidationException(OidcOptions.SectionName, typeof(OidcOptions),
                ["Oidc:AllowInsecureHttp is for development and tests only and is refused in the Production environment."]);
        }

        var (signingKey, encryptionKey) = SigningKeyLoader.Load(options.Keys, builder.Environment);

        if (builder.Environment.IsProduction() && options.Issuer is not { IsAbsoluteUri: true, Scheme: "https" })
        {
            // Without a fixed issuer, discovery and tokens would name whatever host the request's Host header says.
            throw new OptionsValidationException(OidcOptions.SectionName, typeof(OidcOptions),
                ["Oidc:Issuer is required in the Production environment: set it to this server's public https:// URL, e.g. Oidc__Issuer=https://id.example.org/."]);
        }

        builder.Services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<ApplicationDbContext>();
                core.ReplaceApplicationManager<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication, ApplicationManager>();
            })
            .AddServer(server =>
            {
                if (options.Issuer is not null)
                {
                    server.SetIssuer(options.Issuer);
                }

                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke");

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow();

                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.OfflineAccess, CustomScopes.Roles);
                server.RegisterClaims(
                    Claims.Subject, Claims.Name, Claims.PreferredUsername, Claims.GivenName, Claims.FamilyName,
                    Claims.UpdatedAt, Claims.Locale, Claims.Zoneinfo,
                    Claims.Email, Claims.EmailVerified, Claims.PhoneNumber, Claims.PhoneNumberVerified, Claims.Role,
                    Claims.AuthenticationMethodReference, Claims.AuthenticationContextReference, Claims.AuthenticationTime,
                    CustomClaims.SessionId, CustomClaims.PasswordChangedAt);

                // Only S256: the "plain" method gives no protection against a stolen code. Whether a client must use
                // PKCE is decided per client (PublicClientPkce).
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                server.AddEventHandler(AuthorizationErrorRedirection.Descriptor)
                    .AddEventHandler(FormPostResponse.Descriptor)
                    .AddEventHandler(PublicClientPkce.Descriptor)
                    .AddEventHandler(EndSessionRedirectPolicy.Descriptor)
                    .AddEventHandler(UserInfoBearerTokenPlacement.Descriptor)
                    .AddEventHandler(DiscoveryExtensions.Descriptor)
                    .AddEventHandler(IdentityTokenClaims.Descriptor)
                    .AddEventHandler(IdentityTokenHintId.Descriptor);

                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetIdentityTokenLifetime(options.IdentityTokenLifetime)
                    .SetAuthorizationCodeLifetime(options.AuthorizationCodeLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetRefreshTokenReuseLeeway(options.RefreshTokenReuseLeeway);

                // Keys from a folder come from the key ring (TokenKeyRing), which OpenIddict's options read again when it changes.
                if (signingKey is not null)
                {
                    server.AddSigningKey(signingKey);
                }

                if (encryptionKey is not null)
                {
                    server.AddEncryptionKey(encryptionKey);
                }

                server.AddEventHandler(TokenAudit.SignIn).AddEventHandler(TokenAudit.TokenResponse).AddEventHandler(IssuerAsBaseUri.Descriptor);

                // Access tokens are signed JWTs that any API can validate from the JWKS document.
                server.DisableAccessTokenEncryption();

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (options.AllowInsecureHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                // The admin API honours revocation at once: each token's entry (and its authorization's) is looked up, so a
                // revoked token, or one of an ended authorization, is refused before its expiry.
                validation.EnableTokenEntryValidation();
                validation.EnableAuthorizationEntryValidation();
                // The admin API reads bearer tokens from the Authorization header only (RFC 6750 section 2.1).
                validation.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        builder.Services.AddScoped<UserClaimsFactory>();
        builder.Services.AddScoped<AuthorizeEndpoint>();
        builder.Services.AddScoped<BackChannelLogout>();
        builder.Services.AddScoped<Account.Sessions.ISessionsEndedHandler, BackChannelLogoutOnSessionsEnded>();
        builder.Services.AddSingleton<IMessageSender, BackChannelLogoutSender>();
        builder.Services.AddHttpClient(BackChannelLogoutSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        builder.Services.AddSingleton<BrowserOrigins>();
        builder.Services.AddSingleton<ProtocolDocuments>();
        builder.Services.AddSingleton<NodeEntityCache>();
        builder.Services.AddScoped<OpenIddict.Abstractions.IOpenIddictApplicationCache<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>, NodeApplicationCache>();
        builder.Services.AddScoped<OpenIddict.Abstractions.IOpenIddictScopeCache<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreScope>, NodeScopeCache>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Cors.Infrastructure.ICorsPolicyProvider, ProtocolCorsPolicyProvider>();
        builder.Services.AddCors();
        builder.Services.AddHostedService<TokenPruningService>();
        if (signingKey is null || encryptionKey is null)
        {
            builder.Services.AddSingleton<TokenKeyRing>();
            builder.Services.AddSingleton<TokenKeyRing.ServerOptionsSource>();
            builder.Services.AddSingleton<IConfigureOptions<OpenIddict.Server.OpenIddictServerOptions>>(s => s.GetRequiredService<TokenKeyRing.ServerOptionsSource>());
            builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddict.Server.OpenIddictServerOptions>>(s => s.GetRequiredService<TokenKeyRing.ServerOptionsSource>());
            builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddict.Validation.OpenIddictValidationOptions>, TokenKeyRing.ValidationOptionsSource>();
            builder.Services.AddHostedService<TokenKeyRotationService>();
        }

        return builder;
    }
}
