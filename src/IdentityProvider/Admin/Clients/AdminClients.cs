using System.Text.RegularExpressions;
using IdentityProvider.Audit;
using IdentityProvider.Oidc;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Admin.Clients;

/// <summary>A relying app as the admin page and the API edit it.</summary>
public sealed class ClientInput
{
    public string ClientId { get; set; } = string.Empty;

    public string? DisplayName { get; set; }

    /// <summary><c>public</c> (browser or mobile app, PKCE) or <c>confidential</c> (has a secret). Fixed once created.</summary>
    public string Type { get; set; } = ClientTypes.Public;

    /// <summary><c>implicit</c> (no consent screen) or <c>explicit</c> (the user consents once).</summary>
    public string ConsentType { get; set; } = ConsentTypes.Implicit;

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>Sign users in with the authorization code flow (and refresh tokens).</summary>
    public bool CodeFlow { get; set; } = true;

    /// <summary>Get tokens for itself with client credentials (confidential clients only).</summary>
    public bool ClientCredentials { get; set; }

    /// <summary>Scopes beyond <c>openid</c> the app may ask for.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>
    /// The app must send a PKCE (S256) challenge with each authorization request. Always on for public apps; a
    /// confidential app may turn it off (e.g. to run the OpenID Foundation's conformance plans). Default on.
    /// </summary>
    public bool RequirePkce { get; set; } = true;

    /// <summary>
    /// The app's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0): it receives a signed logout
    /// token whenever a session of a user signed in to it ends. https (http only on this machine); empty for none.
    /// </summary>
    public string? BackChannelLogoutUri { get; set; }

    /// <summary>
    /// Browser origins (<c>https://app.example.org</c>) allowed to call the token, userinfo, revocation, discovery and
    /// key endpoints from script (CORS), besides the origins of a public app's redirect URIs. At most 20.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

/// <summary>Relying apps: list, create (a confidential app's secret is shown once), change, rotate the secret. Each step audited.</summary>
public sealed partial class AdminClients(IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes, BrowserOrigins origins, AuditLog audit)
{
    /// <summary>Scopes an app may be allowed: the standard ones, the API scopes stored here, and the admin API's.</summary>
    public async Task<IReadOnlyList<string>> AvailableScopesAsync(CancellationToken cancellationToken = default)
    {
        var names = new List<string> { OpenIddictConstants.Scopes.Profile, OpenIddictConstants.Scopes.Email, OpenIddictConstants.Scopes.Phone, OpenIddictConstants.Scopes.OfflineAccess, CustomScopes.Roles };
        await foreach (var scope in scopes.ListAsync(cancellationToken: cancellationToken))
        {
            if (await scopes.GetNameAsync(scope, cancellationToken) is { } name)
            {
                names.Add(name);
            }
        }

        names.AddRange(AdminApi.Scopes);
        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<ClientInput>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<ClientInput>();
        await foreach (var application in applications.ListAsync(count: 1000, offset: 0, cancellationToken))
        {
            list.Add(await ViewAsync(application, cancellationToken));
        }

        return [.. list.OrderBy(c => c.ClientId, StringComparer.Ordinal)];
    }

    public async Task<ClientInput?> GetAsync(string clientId, CancellationToken cancellationToken = default) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application ? await ViewAsync(application, cancellationToken) : null;

    /// <summary>Creates the app. Returns the problems per field, or the new secret (confidential apps) to show once.</summary>
    public async Task<(Dictionary<string, string[]>? Errors, string? Secret)> CreateAsync(string actor, ClientInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = await ValidateAsync(input, creating: true, cancellationToken);
        if (errors.Count > 0)
        {
            return (errors, null);
        }

        var secret = input.Type == ClientTypes.Confidential ? ClientSecrets.Generate() : null;
        var descriptor = Describe(input);
        descriptor.ClientId = input.ClientId;
        descriptor.ClientType = input.Type;
        descriptor.ClientSecret = secret;
        await applications.CreateAsync(descriptor, cancellationToken);
        origins.Invalidate();
        await audit.WriteAsync(AuditEventTypes.AdminClientChanged, null, AuditLog.Success, Reason(actor, $"created client {input.ClientId}"), cancellationToken: cancellationToken);
        return (null, secret);
    }

    public async Task<Dictionary<string, string[]>?> UpdateAsync(string actor, string clientId, ClientInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return new() { ["clientId"] = ["No app has that client id."] };
        }

        input.ClientId = clientId;
        input.Type = await applications.GetClientTypeAsync(application, cancellationToken) ?? ClientTypes.Public;
        var errors = await ValidateAsync(input, creating: false, cancellationToken);
        if (errors.Count > 0)
        {
            return errors;
        }

        var before = await ViewAsync(application, cancellationToken);
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        var wanted = Describe(input);
        descriptor.DisplayName = wanted.DisplayName;
        descriptor.ConsentType = wanted.ConsentType;
        descriptor.RedirectUris.Clear();
        descriptor.RedirectUris.UnionWith(wanted.RedirectUris);
        descriptor.PostLogoutRedirectUris.Clear();
        descriptor.PostLogoutRedirectUris.UnionWith(wanted.PostLogoutRedirectUris);
        descriptor.Permissions.Clear();
        descriptor.Permissions.UnionWith(wanted.Permissions);
        descriptor.Requirements.Clear();
        descriptor.Requirements.UnionWith(wanted.Requirements);
        descriptor.SetClientProperties(input.BackChannelLogoutUri is { Length: > 0 } backChannel ? new Uri(backChannel) : null, input.AllowedOrigins);
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        origins.Invalidate();

        var changed = new List<string>();
        void Note(string name, string a, string b)
        {
            if (a != b)
            {
                changed.Add($"{name}: {a} → {b}");
            }
        }

        Note("consent", before.ConsentType, input.ConsentType);
        Note("flows", Flows(before), Flows(input));
        Note("redirectUris", before.RedirectUris.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), input.RedirectUris.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Note("scopes", string.Join(' ', before.Scopes.Order(StringComparer.Ordinal)), string.Join(' ', input.Scopes.Distinct().Order(StringComparer.Ordinal)));
        Note("requirePkce", before.RequirePkce ? "on" : "off", input.RequirePkce ? "on" : "off");
        Note("backChannelLogoutUri", before.BackChannelLogoutUri ?? "none", input.BackChannelLogoutUri ?? "none");
        Note("allowedOrigins", string.Join(' ', before.AllowedOrigins), string.Join(' ', input.AllowedOrigins));
        await audit.WriteAsync(AuditEventTypes.AdminClientChanged, null, AuditLog.Success,
            Reason(actor, $"changed client {clientId}" + (changed.Count == 0 ? string.Empty : ": " + string.Join("; ", changed))), cancellationToken: cancellationToken);
        return null;
    }

    /// <summary>
    /// A new secret for a confidential app; null when there is no such app. The old one stops working at once on this node
    /// and on the others within <c>Oidc:EntityCacheDuration</c>.
    /// </summary>
    public async Task<string?> RotateSecretAsync(string actor, string clientId, CancellationToken cancellationToken = default)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application
            || await applications.GetClientTypeAsync(application, cancellationToken) != ClientTypes.Confidential)
        {
            return null;
        }

        var secret = ClientSecrets.Generate();
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        descriptor.ClientSecret = secret;
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminClientChanged, null, AuditLog.Success, Reason(actor, $"rotated the secret of client {clientId}"), cancellationToken: cancellationToken);
        return secret;
    }

    private static string Reason(string actor, string what) => $"by {actor}: {what}" is var text && text.Length > 200 ? text[..200] : text;

    private static string Flows(ClientInput input) => (input.CodeFlow ? "code " : string.Empty) + (input.ClientCredentials ? "client_credentials" : string.Empty);

    private async Task<Dictionary<string, string[]>> ValidateAsync(ClientInput input, bool creating, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating)
        {
            if (!ClientIdPattern().IsMatch(input.ClientId ?? string.Empty))
            {
                errors["clientId"] = ["A client id has 3 to 100 letters, digits, dots, dashes or underscores."];
            }
            else if (await applications.FindByClientIdAsync(input.ClientId!, cancellationToken) is not null)
            {
                errors["clientId"] = ["An app with that client id exists already."];
            }

            if (input.Type is not (ClientTypes.Public or ClientTypes.Confidential))
            {
                errors["type"] = ["The type is public or confidential."];
            }
        }

        if (input.DisplayName is { Length: > 200 })
        {
            errors["displayName"] = ["At most 200 characters."];
        }

        if (input.ConsentType is not (ConsentTypes.Implicit or ConsentTypes.Explicit))
        {
            errors["consentType"] = ["Consent is implicit or explicit."];
        }

        if (!input.CodeFlow && !input.ClientCredentials)
        {
            errors["flows"] = ["Allow at least one flow."];
        }

        if (input.ClientCredentials && input.Type != ClientTypes.Confidential)
        {
            errors["flows"] = ["Only a confidential app (with a secret) can use client credentials."];
        }

        CheckUris("redirectUris", input.RedirectUris, errors);
        CheckUris("postLogoutRedirectUris", input.PostLogoutRedirectUris, errors);
        input.BackChannelLogoutUri = string.IsNullOrWhiteSpace(input.BackChannelLogoutUri) ? null : input.BackChannelLogoutUri.Trim();
        if (input.BackChannelLogoutUri is { } backChannel && !IsWebAddress(backChannel, out _))
        {
            errors["backChannelLogoutUri"] = ["The back-channel logout address is an https address (http only on this machine) without a fragment."];
        }

        input.AllowedOrigins = [.. input.AllowedOrigins.Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        if (input.AllowedOrigins.Count > 20)
        {
            errors["allowedOrigins"] = ["At most 20 origins."];
        }
        else if (input.AllowedOrigins.FirstOrDefault(o => !IsWebAddress(o, out var uri) || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0) is { } origin)
        {
            errors["allowedOrigins"] = [$"'{(origin.Length > 60 ? origin[..60] + "…" : origin)}' is not an origin: write https://host (or https://host:port), with no path."];
        }

        if (input.Type == ClientTypes.Public)
        {
            // A public app cannot keep a secret: PKCE is what protects its codes.
            input.RequirePkce = true;
        }
        if (input.CodeFlow && input.RedirectUris.Count == 0 && !errors.ContainsKey("redirectUris"))
        {
            errors["redirectUris"] = ["The code flow needs at least one redirect URI."];
        }

        var known = await AvailableScopesAsync(cancellationToken);
        if (input.Scopes.FirstOrDefault(s => !known.Contains(s)) is { } unknown)
        {
            errors["scopes"] = [$"There is no scope called '{(unknown.Length > 50 ? unknown[..50] : unknown)}'."];
        }

        return errors;
    }

    private static void CheckUris(string field, List<string> uris, Dictionary<string, string[]> errors)
    {
        if (uris.Count > 50)
        {
            errors[field] = ["At most 50 addresses."];
            return;
        }

        foreach (var text in uris)
        {
            var ok = text.Length <= 2000 && Uri.TryCreate(text, UriKind.Absolute, out var uri) && string.IsNullOrEmpty(uri.Fragment)
                && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback) || (uri.Scheme is not ("http" or "https" or "javascript" or "data" or "file") && uri.Scheme.Contains('.', StringComparison.Ordinal)));
            if (!ok)
            {
                errors[field] = [$"'{(text.Length > 60 ? text[..60] + "…" : text)}' is not allowed: use https (http only on this machine), or an app's own reverse-domain scheme, without a fragment."];
                return;
            }
        }
    }

    /// <summary>An absolute https address (http only for this machine) without a fragment.</summary>
    private static bool IsWebAddress(string text, out Uri uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri!) && text.Length <= 2000 && string.IsNullOrEmpty(uri.Fragment)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));

    private static OpenIddictApplicationDescriptor Describe(ClientInput input)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            DisplayName = string.IsNullOrWhiteSpace(input.DisplayName) ? input.ClientId : input.DisplayName.Trim(),
            ConsentType = input.ConsentType,
        };
        foreach (var uri in input.RedirectUris.Distinct())
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        foreach (var uri in input.PostLogoutRedirectUris.Distinct())
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        }

        if (input.CodeFlow)
        {
            descriptor.WithCodeFlowPermissions();
            // Only the scopes chosen: drop the standard ones the helper grants and add back what was asked for.
            descriptor.Permissions.RemoveWhere(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal));
            if (input.RequirePkce || input.Type == ClientTypes.Public)
            {
                descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            }
        }

        descriptor.SetClientProperties(input.BackChannelLogoutUri is { Length: > 0 } backChannel ? new Uri(backChannel) : null, input.AllowedOrigins);

        if (input.ClientCredentials)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials]);
        }

        foreach (var scope in input.Scopes.Distinct())
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return descriptor;
    }

    private async Task<ClientInput> ViewAsync(object application, CancellationToken cancellationToken)
    {
        var permissions = await applications.GetPermissionsAsync(application, cancellationToken);
        return new ClientInput
        {
            ClientId = await applications.GetClientIdAsync(application, cancellationToken) ?? string.Empty,
            DisplayName = await applications.GetDisplayNameAsync(application, cancellationToken),
            Type = await applications.GetClientTypeAsync(application, cancellationToken) ?? ClientTypes.Public,
            ConsentType = await applications.GetConsentTypeAsync(application, cancellationToken) ?? ConsentTypes.Implicit,
            RedirectUris = [.. await applications.GetRedirectUrisAsync(application, cancellationToken)],
            PostLogoutRedirectUris = [.. await applications.GetPostLogoutRedirectUrisAsync(application, cancellationToken)],
            CodeFlow = permissions.Contains(Permissions.GrantTypes.AuthorizationCode),
            ClientCredentials = permissions.Contains(Permissions.GrantTypes.ClientCredentials),
            Scopes = [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.Scope.Length..]).Order(StringComparer.Ordinal)],
            RequirePkce = await applications.HasRequirementAsync(application, Requirements.Features.ProofKeyForCodeExchange, cancellationToken)
                || await applications.HasClientTypeAsync(application, ClientTypes.Public, cancellationToken),
            BackChannelLogoutUri = (await applications.BackChannelLogoutUriAsync(application, cancellationToken))?.AbsoluteUri,
            AllowedOrigins = [.. await applications.AllowedOriginsAsync(application, cancellationToken)],
        };
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClientIdPattern();
}
