using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.Benchmarks;

/// <summary>Time for one node's dispatcher to drain a backlog of emails into a local SMTP server, on PostgreSQL.</summary>
internal static class OutboxDrain
{
    public static async Task RunAsync(int[] settings)
    {
        var count = settings.Length > 0 ? settings[0] : 1000;

        // With a port, deliver to an SMTP server already running there (e.g. `python3 -m smtpd -n -c DebuggingServer
        // 127.0.0.1:2525`) and count from the outbox; without, to the in-process test server, counting receipts.
        var externalPort = settings.Length > 1 ? settings[1] : (int?)null;
        await using var smtp = externalPort is null ? await TestSmtpServer.StartAsync() : new TestSmtpServer(externalPort);
        var database = await TestDatabase.CreateAsync("drain");
        var configuration = new Dictionary<string, string?>
        {
            ["Messaging:UseDevMailbox"] = "false",
            ["Messaging:Smtp:Host"] = "127.0.0.1",
            ["Messaging:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Messaging:Smtp:Security"] = "None",
            ["Messaging:PollInterval"] = "00:00:00.100",
        };
        var host = await IdentityProviderHost.StartAsync(database, configuration);

        var watch = Stopwatch.StartNew();
        await using (var scope = host.CreateScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
            var templates = scope.ServiceProvider.GetRequiredService<MessageTemplates>();
            for (var i = 0; i < count; i++)
            {
                outbox.Email($"user{i}@example.org", templates.PasswordChanged($"user{i}", DateTimeOffset.UtcNow, CultureInfo.InvariantCulture), "password-changed");
            }

            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        }

        var queued = watch.Elapsed;
        int delivered, duplicated;
        if (externalPort is null)
        {
            var received = await smtp.WaitForAsync(count, TimeSpan.FromMinutes(5));
            delivered = received.Select(m => m.MessageId).Distinct().Count();
            duplicated = received.Count - delivered;
        }
        else
        {
            do
            {
                await Task.Delay(50);
                await using var scope = host.CreateScope();
                delivered = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
                    scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>(), m => m.Status == OutboxStatus.Sent);
            }
            while (delivered < count && watch.Elapsed < TimeSpan.FromMinutes(5));
            duplicated = 0;
        }

        watch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} emails: queued in {queued.TotalSeconds:F2} s, drained in {watch.Elapsed.TotalSeconds:F2} s ({count / watch.Elapsed.TotalSeconds:F0}/s), delivered {delivered}, duplicated {(externalPort is null ? duplicated.ToString(CultureInfo.InvariantCulture) : "not counted")}"));
        await host.DisposeAsync();
        await PostgresServer.StopSharedAsync();
    }
}
