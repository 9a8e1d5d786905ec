using System.Diagnostics;
using System.Net;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Telemetry;

/// <summary>
/// A server in the Production environment (HTTP apart), its console captured from before it starts: the console logger
/// takes the console's writer when it is built.
/// </summary>
public sealed class ProductionLogFixture : TestServerFixture
{
    private readonly StringWriter console = new();
    private TextWriter? original;

    /// <summary>What the server wrote to the console so far.</summary>
    public string Console
    {
        get
        {
            lock (console)
            {
                return console.ToString();
            }
        }
    }

    protected override void Configure(TestServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Environment = "Production";
        server.Smtp = true;
        server.Settings["Messaging:Smtp:FromAddress"] = "accounts@northwind.example";
        server.Settings["DataProtection:AllowUnprotectedKeyRing"] = "true";
        server.Settings["Oidc:AllowInsecureHttp"] = "false"; // the sign-in page is served over HTTP all the same
        server.Settings["Oidc:Issuer"] = "https://id.example.test/";
        server.Settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        original = System.Console.Out;
        System.Console.SetOut(TextWriter.Synchronized(console));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        if (original is not null)
        {
            System.Console.SetOut(original);
        }

        console.Dispose();
    }
}

/// <summary>Production console logs: one JSON object a line, with the request's trace and span ids from its scope.</summary>
[Collection(ProcessWideTelemetry.Name)]
public sealed class JsonLogTests(ProductionLogFixture fixture) : IClassFixture<ProductionLogFixture>
{
    [Fact]
    public async Task InProduction_ConsoleLogsAreJsonLines_CarryingTheRequestsTraceId()
    {
        using var client = fixture.Idp.CreateClient();
        ActivityTraceId traceId;
        using (var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = caller.TraceId;
            using var response = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The console logger writes from a queue of its own.
        var id = traceId.ToHexString();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<string> request = [];
        while (DateTime.UtcNow < deadline && !request.Any(line => line.Contains("Request finished", StringComparison.Ordinal)))
        {
            await Task.Delay(100);
            request = [.. fixture.Console.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => line.Contains(id, StringComparison.Ordinal))];
        }

        Assert.Contains(request, line => line.Contains("\"Category\":\"Microsoft.AspNetCore.Hosting.Diagnostics\"", StringComparison.Ordinal));
        foreach (var line in request)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var scopes = json.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
            Assert.Contains(scopes, scope => scope.TryGetProperty("TraceId", out var trace) && trace.GetString() == id);
            Assert.Contains(scopes, scope => scope.TryGetProperty("SpanId", out _));
            Assert.True(json.RootElement.TryGetProperty("Timestamp", out _));
        }
    }
}
