using System.Collections.Immutable;
using IdentityProvider.Data;
using IdentityProvider.Oidc;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account;

/// <summary>
/// Asks the signed-in user whether an explicit-consent application may sign them in with the requested scopes.
/// Accepting stores a permanent authorization, so the question is asked once per application and scope set.
/// </summary>
public sealed partial class ConsentModel(
    UserManager<ApplicationUser> users,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictScopeManager scopes,
    TimeProvider time,
    IStringLocalizer<AccountText> texts,
    ILogger<ConsentModel> logger) : PageModel
{
    private const string AuthorizePath = "/connect/authorize";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string ApplicationName { get; private set; } = string.Empty;

    public IReadOnlyList<string> ScopeDescriptions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var request = await ReadRequestAsync();
        return request is null ? BadRequestPage() : Page();
    }

    public async Task<IActionResult> OnPostAcceptAsync()
    {
        var request = await ReadRequestAsync();
        var user = await users.GetUserAsync(User);
        if (request is null || user is null)
        {
            return BadRequestPage();
        }

        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = request.Value.ApplicationId,
            Subject = user.Id,
            Status = Statuses.Valid,
            Type = AuthorizationTypes.Permanent,
            CreationDate = time.GetUtcNow(),
        };
        descriptor.Scopes.UnionWith(request.Value.Scopes);
        await authorizations.CreateAsync(descriptor);
        LogConsented(logger, user.Id, request.Value.ClientId);
        return LocalRedirect(ReturnUrl!);
    }

    public async Task<IActionResult> OnPostDenyAsync()
    {
        var request = await ReadRequestAsync();
        if (request is null)
        {
            return BadRequestPage();
        }

        return LocalRedirect(QueryHelpers.AddQueryString(ReturnUrl!, OidcEndpoints.ConsentDeniedParameter, "1"));
    }

    private async Task<(string ApplicationId, string ClientId, ImmutableArray<string> Scopes)?> ReadRequestAsync()
    {
        if (ReturnUrls.Sanitize(ReturnUrl) != ReturnUrl || !ReturnUrl.StartsWith(AuthorizePath + "?", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var query = QueryHelpers.ParseQuery(ReturnUrl[(AuthorizePath.Length + 1)..]);
        var clientId = query.TryGetValue(Parameters.ClientId, out var id) ? id.ToString() : null;
        var application = string.IsNullOrEmpty(clientId) ? null : await applications.FindByClientIdAsync(clientId);
        if (application is null)
        {
            return null;
        }

        var requested = query.TryGetValue(Parameters.Scope, out var scope)
            ? scope.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToImmutableArray()
            : [];

        ApplicationName = await applications.GetLocalizedDisplayNameAsync(application) ?? clientId!;
        var descriptions = new List<string>();
        foreach (var name in requested)
        {
            descriptions.Add(await DescribeAsync(name));
        }

        ScopeDescriptions = descriptions;
        return (await applications.GetIdAsync(application) ?? string.Empty, clientId!, requested);
    }

    private async Task<string> DescribeAsync(string scope) => scope switch
    {
        Scopes.OpenId => texts["Sign you in with your account"],
        Scopes.Profile => texts["See your name and username"],
        Scopes.Email => texts["See your email address"],
        Scopes.Phone => texts["See your phone number"],
        Scopes.OfflineAccess => texts["Stay connected to your account while you are away"],
        CustomScopes.Roles => texts["See the roles you hold"],
        _ => await scopes.FindByNameAsync(scope) is { } entity
            ? await scopes.GetLocalizedDisplayNameAsync(entity) ?? scope
            : scope,
    };

    private PageResult BadRequestPage()
    {
        ModelState.AddModelError(string.Empty, texts["This consent request is not valid. Go back to the application and sign in again."]);
        ApplicationName = string.Empty;
        ScopeDescriptions = [];
        return Page();
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "User {UserId} consented to client {ClientId}.")]
    private static partial void LogConsented(ILogger logger, string userId, string clientId);
}
