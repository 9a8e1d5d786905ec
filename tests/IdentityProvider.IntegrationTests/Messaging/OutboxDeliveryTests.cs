using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>The outbox and its dispatchers against a real SMTP server: content, outages, refusals, two nodes, leases.</summary>
public sealed class OutboxDeliveryTests(MessagingFixture fixture, ITestOutputHelper output) : IClassFixture<MessagingFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PasswordChange_QueuesABrandedNotification_WithTheChange_AndItArrives()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var client = fixture.NodeA.CreateClient();
        await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
        using var page = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));
        using var changed = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
        });
        Assert.Contains("Your password has been changed", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var mail = await WaitForMailAsync(user.Email!);
        var row = await SingleRowAsync(user.Email!);
        Assert.Equal($"{row.Id:N}@northwind.example", mail.MessageId);
        Assert.Equal("Your Northwind password was changed", mail.Subject);
        Assert.Equal("Northwind account team", mail.From.Mailboxes.Single().Name);
        Assert.Equal("accounts@northwind.example", mail.From.Mailboxes.Single().Address);
        Assert.Contains("If you did not change it", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(user.UserName!, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("#aa3300", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("https://northwind.example/logo.png", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<h1", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(OutboxStatus.Sent, row.Status);
    }

    [Fact]
    public async Task RefusedPasswordChange_QueuesNothing()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        using var client = fixture.NodeA.CreateClient();
        await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
        using var page = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));
        (await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = "password1",
            ["Input.ConfirmPassword"] = "password1",
        })).Dispose();

        await using var scope = fixture.NodeA.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>().AnyAsync(m => m.Recipient == user.Email));
    }

    [Fact]
    public async Task SmtpOutage_ThenRecovery_DeliversEveryMessageOnce()
    {
        await fixture.Smtp.StopAsync();
        List<OutboxMessage> during;
        List<string> recipients;
        try
        {
            recipients = await EnqueueAsync("outage", 100);
            // Wait for the first failed delivery (a few seconds; longer on a busy machine).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            do
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                during = await RowsAsync(recipients);
            }
            while (!during.Any(row => row.LastError is not null && row.Attempts >= 1) && DateTime.UtcNow < deadline);
        }
        finally
        {
            await fixture.Smtp.StartAgainAsync();
        }

        Assert.All(during, row => Assert.Equal(OutboxStatus.Pending, row.Status));
        Assert.Contains(during, row => row.LastError is not null && row.Attempts >= 1);
        var delivered = await WaitForAllAsync(recipients);

        var rows = await RowsAsync(recipients);
        var duplicates = delivered.Count - delivered.Select(m => m.MessageId).Distinct().Count();
        output.WriteLine($"outage: sent 100, delivered {delivered.Select(m => m.MessageId).Distinct().Count()}, duplicated {duplicates}, lost {rows.Count(r => r.Status != OutboxStatus.Sent)}, most attempts {rows.Max(r => r.Attempts)}");
        Assert.Equal(100, delivered.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(0, duplicates);
        Assert.All(rows, row => Assert.Equal(OutboxStatus.Sent, row.Status));
    }

    [Fact]
    public async Task PermanentRefusal_DeadLettersAtOnce_AndARetryDeliversIt()
    {
        fixture.Smtp.RefuseWith = 550;
        try
        {
            var recipients = await EnqueueAsync("refused", 1);
            var row = await WaitForStatusAsync(recipients[0], OutboxStatus.DeadLettered);
            Assert.Equal(1, row.Attempts);
            Assert.Contains("550", row.LastError, StringComparison.Ordinal);

            await using var scope = fixture.NodeA.CreateScope();
            var queries = scope.ServiceProvider.GetRequiredService<OutboxQueries>();
            Assert.True((await queries.SummaryAsync()).DeadLettered >= 1);
            Assert.Contains(await queries.ListAsync(OutboxStatus.DeadLettered), m => m.Id == row.Id);

            fixture.Smtp.RefuseWith = null;
            Assert.True(await queries.RetryAsync(row.Id));
            await WaitForMailAsync(recipients[0]);
            Assert.Equal(OutboxStatus.Sent, (await SingleRowAsync(recipients[0])).Status);
        }
        finally
        {
            fixture.Smtp.RefuseWith = null;
        }
    }

    [Fact]
    public async Task TwoDispatchers_OnOneDatabase_DeliverEachMessageExactlyOnce()
    {
        var recipients = await EnqueueAsync("two-nodes", 300);

        var delivered = await WaitForAllAsync(recipients);

        var ids = delivered.Select(m => m.MessageId).ToList();
        output.WriteLine($"two nodes: sent 300, delivered {ids.Distinct().Count()}, duplicated {ids.Count - ids.Distinct().Count()}");
        Assert.Equal(300, ids.Count);
        Assert.Equal(300, ids.Distinct().Count());
    }

    [Fact]
    public async Task MessagesClaimedByADeadNode_AreReleasedByTheLease_AndDeliveredByAnother()
    {
        var recipients = await EnqueueAsync("dead-node", 20, pause: true);
        await using (var scope = fixture.NodeA.CreateScope())
        {
            // What a node that crashed right after claiming leaves behind.
            var leaseUntil = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds();
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>()
                .Where(m => recipients.Contains(m.Recipient))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseOwner, "crashed-node").SetProperty(m => m.LeaseUntil, leaseUntil)
                    .SetProperty(m => m.Attempts, 1).SetProperty(m => m.NextAttemptAt, 0L));
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.DoesNotContain(fixture.Smtp.Received, m => recipients.Contains(m.To.Mailboxes.Single().Address));

        var delivered = await WaitForAllAsync(recipients);
        Assert.Equal(20, delivered.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(20, delivered.Count);
        Assert.All(await RowsAsync(recipients), row =>
        {
            Assert.Equal(OutboxStatus.Sent, row.Status);
            Assert.Equal(2, row.Attempts);
            Assert.NotEqual("crashed-node", row.LeaseOwner);
        });
    }

    private async Task<List<string>> EnqueueAsync(string prefix, int count, bool pause = false)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var recipients = Enumerable.Range(0, count).Select(i => $"{prefix}-{tag}-{i}@example.org").ToList();
        await using var scope = fixture.NodeA.CreateScope();
        var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
        var templates = scope.ServiceProvider.GetRequiredService<MessageTemplates>();
        foreach (var recipient in recipients)
        {
            var message = outbox.Email(recipient, templates.PasswordChanged(recipient, DateTimeOffset.UtcNow, CultureInfo.GetCultureInfo("en")), "password-changed");
            if (pause)
            {
                message.NextAttemptAt = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
            }
        }

        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        return recipients;
    }

    private async Task<List<MimeMessage>> WaitForAllAsync(List<string> recipients)
    {
        var wanted = recipients.ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + Patience;
        List<MimeMessage> mine;
        do
        {
            await Task.Delay(100);
            mine = [.. fixture.Smtp.Received.Where(m => wanted.Contains(m.To.Mailboxes.Single().Address))];
        }
        while (mine.Select(m => m.MessageId).Distinct().Count() < wanted.Count && DateTime.UtcNow < deadline);

        await Task.Delay(500); // a late duplicate would show up now
        return [.. fixture.Smtp.Received.Where(m => wanted.Contains(m.To.Mailboxes.Single().Address))];
    }

    private async Task<MimeMessage> WaitForMailAsync(string recipient) => (await WaitForAllAsync([recipient])).Single();

    private async Task<OutboxMessage> WaitForStatusAsync(string recipient, OutboxStatus status)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var row = await SingleRowAsync(recipient);
            if (row.Status == status || DateTime.UtcNow > deadline)
            {
                return row;
            }

            await Task.Delay(100);
        }
    }

    private async Task<OutboxMessage> SingleRowAsync(string recipient) => (await RowsAsync([recipient])).Single();

    private async Task<List<OutboxMessage>> RowsAsync(List<string> recipients)
    {
        await using var scope = fixture.NodeA.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>().AsNoTracking()
            .Where(m => recipients.Contains(m.Recipient)).ToListAsync();
    }
}
