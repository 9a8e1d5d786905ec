namespace IdentityProvider.Admin.Clients;

public sealed record ClientSecretView(string ClientId, string ClientSecret);

internal static class ClientsApi
{
    public static void Map(RouteGroupBuilder clients)
    {
        clients.MapGet("/", async (AdminClients apps, CancellationToken ct) => Results.Ok(await apps.ListAsync(ct)))
            .WithSummary("Every relying app: type, flows, addresses, consent and scopes (never secrets).");
        clients.MapGet("/{clientId}", async (string clientId, AdminClients apps, CancellationToken ct) =>
            await apps.GetAsync(clientId, ct) is { } client ? Results.Ok(client) : AdminApi.NotFound("app"))
            .WithSummary("One relying app.");
        clients.MapPost("/", CreateAsync).WithSummary("Register an app; a confidential app's secret is in the answer, and only there.");
        clients.MapPut("/{clientId}", UpdateAsync).WithSummary("Change an app (its type is fixed).");
        clients.MapPost("/{clientId}/secret", RotateAsync).WithSummary("Give a confidential app a new secret; the old one stops working.");
    }

    private static async Task<IResult> CreateAsync(ClientInput input, HttpContext http, AdminClients apps, CancellationToken cancellationToken)
    {
        var (errors, secret) = await apps.CreateAsync(http.Actor().Id, input, cancellationToken);
        if (errors is not null)
        {
            return Results.ValidationProblem(errors);
        }

        var location = $"{AdminApi.Prefix}/clients/{Uri.EscapeDataString(input.ClientId)}";
        return secret is null ? Results.Created(location, await apps.GetAsync(input.ClientId, cancellationToken)) : Results.Created(location, new ClientSecretView(input.ClientId, secret));
    }

    private static async Task<IResult> UpdateAsync(string clientId, ClientInput input, HttpContext http, AdminClients apps, CancellationToken cancellationToken)
    {
        if (await apps.GetAsync(clientId, cancellationToken) is null)
        {
            return AdminApi.NotFound("app");
        }

        var errors = await apps.UpdateAsync(http.Actor().Id, clientId, input, cancellationToken);
        return errors is null ? Results.Ok(await apps.GetAsync(clientId, cancellationToken)) : Results.ValidationProblem(errors);
    }

    private static async Task<IResult> RotateAsync(string clientId, HttpContext http, AdminClients apps, CancellationToken cancellationToken)
    {
        if (await apps.GetAsync(clientId, cancellationToken) is not { } client)
        {
            return AdminApi.NotFound("app");
        }

        var secret = await apps.RotateSecretAsync(http.Actor().Id, clientId, cancellationToken);
        return secret is null
            ? Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: $"The app is {client.Type}: only a confidential app has a secret.")
            : Results.Ok(new ClientSecretView(clientId, secret));
    }
}
