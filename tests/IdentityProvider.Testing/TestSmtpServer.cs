using System.Buffers;
using System.Collections.Concurrent;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace IdentityProvider.Testing;

/// <summary>
/// A real SMTP server on a loopback port (the SmtpServer library), keeping what it receives. It can be stopped and
/// started again on the same port (to play an outage) and told to refuse messages with a 5xx reply.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<TestSmtpServer, bool> Servers = new();
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private SmtpServer.SmtpServer? server;
    private CancellationTokenSource? stop;

    public TestSmtpServer(int? port = null)
    {
        Port = port ?? Ports.Free();
        Servers[this] = true;
    }

    public int Port { get; }

    /// <summary>When set, every message is refused with this reply code (e.g. 550).</summary>
    public int? RefuseWith { get; set; }

    public IReadOnlyCollection<MimeMessage> Received => received;

    /// <summary>The email a test SMTP server of this process received for outbox message <paramref name="outboxId"/> (its <c>X-Outbox-Id</c>).</summary>
    public static MimeMessage? Delivered(Guid outboxId)
    {
        var id = outboxId.ToString("D");
        return Servers.Keys.SelectMany(server => server.received).FirstOrDefault(message => message.Headers["X-Outbox-Id"] == id);
    }

    public static async Task<TestSmtpServer> StartAsync()
    {
        var smtp = new TestSmtpServer();
        await smtp.StartAgainAsync();
        return smtp;
    }

    public async Task StartAgainAsync()
    {
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Port(Port, false).Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Port))).Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        server = new SmtpServer.SmtpServer(options, services);
        stop = new CancellationTokenSource();
        _ = server.StartAsync(stop.Token);
        await WaitUntilListeningAsync();
    }

    public async Task StopAsync()
    {
        if (server is null)
        {
            return;
        }

        server.Shutdown();
        await stop!.CancelAsync();
        try
        {
            await server.ShutdownTask.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Open sessions are cut off with the cancellation.
        }

        stop.Dispose();
        server = null;
    }

    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return [.. received];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Servers.TryRemove(this, out _);
    }

    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"The test SMTP server did not start on port {Port}.");
    }

    private sealed class Store(TestSmtpServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (owner.RefuseWith is { } code)
            {
                return new SmtpResponse((SmtpReplyCode)code, "Refused by the test server");
            }

            using var stream = new MemoryStream(buffer.ToArray());
            owner.received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
