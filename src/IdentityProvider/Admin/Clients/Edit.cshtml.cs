using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Admin.Clients;

/// <summary>Register an app, change it, or give a confidential app a new secret (shown once).</summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class EditModel(AdminClients clients, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ClientId { get; set; }

    [BindProperty]
    public ClientForm Form { get; set; } = new();

    public IReadOnlyList<string> AvailableScopes { get; private set; } = [];

    public bool Creating => string.IsNullOrEmpty(ClientId);

    public string? Secret { get; private set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        AvailableScopes = await clients.AvailableScopesAsync(HttpContext.RequestAborted);
        if (Creating)
        {
            return Page();
        }

        if (await clients.GetAsync(ClientId!, HttpContext.RequestAborted) is not { } client)
        {
            return NotFound();
        }

        Form = ClientForm.From(client);
        Secret = TempData["client-secret"] as string;
        Message = TempData["client-message"] as string;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        AvailableScopes = await clients.AvailableScopesAsync(HttpContext.RequestAborted);
        var input = Form.ToInput();
        var actor = User.FindFirst(Claims.Subject)?.Value ?? "unknown";
        Dictionary<string, string[]>? errors;
        if (Creating)
        {
            (errors, Secret) = await clients.CreateAsync(actor, input, HttpContext.RequestAborted);
        }
        else
        {
            errors = await clients.UpdateAsync(actor, ClientId!, input, HttpContext.RequestAborted);
        }

        foreach (var (field, messages) in errors ?? [])
        {
            foreach (var message in messages)
            {
                ModelState.AddModelError("Form." + field, texts[message]);
            }
        }

        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Secret = null;
            return Page();
        }

        if (Creating)
        {
            // Show the new app's page; its secret travels once in protected temp data.
            TempData["client-secret"] = Secret;
            TempData["client-message"] = texts["The app {0} is registered.", input.ClientId].Value;
            return Redirect("/admin/clients/edit/" + Uri.EscapeDataString(input.ClientId));
        }

        Message = texts["The app is saved."];
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync()
    {
        AvailableScopes = await clients.AvailableScopesAsync(HttpContext.RequestAborted);
        if (Creating || await clients.GetAsync(ClientId!, HttpContext.RequestAborted) is not { } client)
        {
            return NotFound();
        }

        Form = ClientForm.From(client);
        Secret = await clients.RotateSecretAsync(User.FindFirst(Claims.Subject)?.Value ?? "unknown", ClientId!, HttpContext.RequestAborted);
        if (Secret is null)
        {
            ModelState.AddModelError(string.Empty, texts["Only a confidential app has a secret."]);
        }
        else
        {
            Message = texts["The app has a new secret; the old one no longer works."];
        }

        return Page();
    }
}

/// <summary>The app form: addresses one per line.</summary>
public sealed class ClientForm
{
    [System.ComponentModel.DataAnnotations.StringLength(100)]
    public string? ClientId { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(200)]
    public string? DisplayName { get; set; }

    public string Type { get; set; } = ClientTypes.Public;

    public string ConsentType { get; set; } = ConsentTypes.Implicit;

    [System.ComponentModel.DataAnnotations.StringLength(100_000)]
    public string? RedirectUris { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(100_000)]
    public string? PostLogoutRedirectUris { get; set; }

    public bool CodeFlow { get; set; } = true;

    public bool ClientCredentials { get; set; }

    public List<string> Scopes { get; set; } = [];

    public bool RequirePkce { get; set; } = true;

    [System.ComponentModel.DataAnnotations.StringLength(2000)]
    public string? BackChannelLogoutUri { get; set; }

    [System.ComponentModel.DataAnnotations.StringLength(50_000)]
    public string? AllowedOrigins { get; set; }

    public static ClientForm From(ClientInput client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ClientForm
        {
            ClientId = client.ClientId, DisplayName = client.DisplayName, Type = client.Type, ConsentType = client.ConsentType,
            RedirectUris = string.Join('\n', client.RedirectUris), PostLogoutRedirectUris = string.Join('\n', client.PostLogoutRedirectUris),
            CodeFlow = client.CodeFlow, ClientCredentials = client.ClientCredentials, Scopes = client.Scopes,
            RequirePkce = client.RequirePkce, BackChannelLogoutUri = client.BackChannelLogoutUri, AllowedOrigins = string.Join('\n', client.AllowedOrigins),
        };
    }

    public ClientInput ToInput() => new()
    {
        ClientId = ClientId?.Trim() ?? string.Empty, DisplayName = DisplayName, Type = Type, ConsentType = ConsentType,
        RedirectUris = Lines(RedirectUris), PostLogoutRedirectUris = Lines(PostLogoutRedirectUris),
        CodeFlow = CodeFlow, ClientCredentials = ClientCredentials, Scopes = Scopes,
        RequirePkce = RequirePkce, BackChannelLogoutUri = BackChannelLogoutUri, AllowedOrigins = Lines(AllowedOrigins),
    };

    private static List<string> Lines(string? text) => [.. (text ?? string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
}
