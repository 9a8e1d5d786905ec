using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityProvider.Testing;

/// <summary>
/// A relying app's back-channel logout endpoint on a real loopback port: records every logout token posted to
/// <c>/backchannel-logout</c>, answering 503 to the first <see cref="FailFirst"/> posts (to see the server retry).
/// </summary>
public sealed class LogoutReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<string> tokens = new();
    private readonly SemaphoreSlim arrived = new(0);
    private int failures;

    private LogoutReceiver(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>The endpoint to register as the client's back-channel logout URI.</summary>
    public Uri Address { get; }

    /// <summary>How many posts to refuse with 503 before accepting.</summary>
    public int FailFirst { get; set; }

    /// <summary>Every post, refused or accepted.</summary>
    public int Attempts { get; private set; }

    public static async Task<LogoutReceiver> StartAsync()
    {
        var port = Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new LogoutReceiver(app, new Uri($"http://127.0.0.1:{port}/backchannel-logout"));
        app.MapPost("/backchannel-logout", async (HttpContext context) =>
        {
            receiver.Attempts++;
            if (Interlocked.Increment(ref receiver.failures) <= receiver.FailFirst)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            var form = await context.Request.ReadFormAsync();
            receiver.tokens.Enqueue(form["logout_token"].ToString());
            receiver.arrived.Release();
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits for the next accepted logout token (the outbox delivers in the background).</summary>
    public async Task<string> NextAsync(TimeSpan? within = null)
    {
        if (!await arrived.WaitAsync(within ?? TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("No logout token arrived.");
        }

        tokens.TryDequeue(out var token);
        return token!;
    }

    /// <summary>Whether a token arrives within <paramref name="wait"/> (for "nothing is sent" checks).</summary>
    public async Task<bool> AnyWithinAsync(TimeSpan wait)
    {
        if (!await arrived.WaitAsync(wait))
        {
            return false;
        }

        arrived.Release();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        arrived.Dispose();
    }
}
