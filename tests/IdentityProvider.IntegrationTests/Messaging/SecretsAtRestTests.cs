using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>What a reader of the database sees of messages and codes: bodies encrypted while queued, gone once delivered.</summary>
public sealed class SecretsAtRestTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AQueuedBody_IsEncrypted_AndADeliveredOne_IsDeleted_WhileItsMetadataStays()
    {
        var recipient = $"at-rest-{Guid.NewGuid():N}@example.org";
        Guid emailId, textId;
        await using (var scope = Idp.CreateScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
            emailId = outbox.Email(recipient, new RenderedEmail("Subject", "Your code is 48213377", "<p>Your code is 48213377</p>"), "at-rest-test").Id;
            // No telephony provider in this deployment: the text is dead-lettered and keeps its (encrypted) body.
            textId = outbox.SmsCode("+447400555111", "77312884", CultureInfo.InvariantCulture).Id;
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        }

        var email = await WaitForAsync(emailId, m => m.Status == OutboxStatus.Sent);
        Assert.Equal((string.Empty, null), (email.TextBody, email.HtmlBody));
        Assert.Equal((recipient, "at-rest-test"), (email.Recipient, email.Template));
        Assert.NotNull(email.SentAt);
        var mail = TestSmtpServer.Delivered(emailId);
        Assert.NotNull(mail);
        Assert.Contains("48213377", mail.TextBody, StringComparison.Ordinal);

        var text = await WaitForAsync(textId, m => m.Status == OutboxStatus.DeadLettered);
        Assert.StartsWith("CfDJ8", text.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("77312884", text.TextBody, StringComparison.Ordinal);
        await using var open = Idp.CreateScope();
        Assert.Contains("77312884", open.ServiceProvider.GetRequiredService<OutboxBodies>().Open(text.TextBody), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterResetsByEmailAndByText_NoCodeIsInClearAnywhereInTheDatabase()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400777123"));
        var codes = new List<string>();
        using (var byEmail = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await byEmail.ChooseReasonAsync();
            await byEmail.ChooseMethodAsync("AlternateEmail");
            codes.Add(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
            await byEmail.EnterCodeAsync(codes[^1]);
            await byEmail.NewPasswordAsync("Velvet-Orchard-Kettle-73");
            Assert.Equal("/recover/done", byEmail.Path);
        }

        using (var byText = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await byText.ChooseReasonAsync();
            await byText.ChooseMethodAsync("MobileText");
            await byText.EnterMobileNumberAsync(user.MobilePhone!);
            codes.Add(await RecoveryData.LatestCodeAsync(Idp, user.MobilePhone!));
            await byText.EnterCodeAsync(codes[^1]);
            await byText.NewPasswordAsync("Copper-Lantern-Orbit-58");
            Assert.Equal("/recover/done", byText.Path);
        }

        Assert.All(codes, code => Assert.Matches("^[0-9]{8}$", code));
        // The scan finds what is stored in clear (the user name), so finding no code means there is none.
        Assert.NotEmpty(await TablesContainingAsync(user.UserName!));
        foreach (var code in codes)
        {
            Assert.Empty(await TablesContainingAsync(code));
        }
    }

    [Fact]
    public async Task TheDevMailbox_StoresWhatItReceivedEncrypted_AndStillShowsIt()
    {
        var database = await TestDatabase.CreateAsync("devmailbox");
        await using var idp = await IdentityProviderHost.StartAsync(database);
        var recipient = $"mailbox-{Guid.NewGuid():N}@example.org";
        await using (var scope = idp.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<Outbox>().Email(recipient, new RenderedEmail("Mailbox check", "Your code is 61524309", "<p>Your code is 61524309</p>"), "mailbox-test");
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        }

        DevMailboxMessage? stored = null;
        for (var i = 0; i < 200 && stored is null; i++)
        {
            await Task.Delay(100);
            await using var scope = idp.CreateScope();
            stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<DevMailboxMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.Recipient == recipient);
        }

        Assert.NotNull(stored);
        Assert.DoesNotContain("61524309", stored.TextBody + stored.HtmlBody, StringComparison.Ordinal);
        using var http = idp.CreateClient();
        var json = await http.GetFromJsonAsync<JsonElement>("dev/mailbox.json");
        Assert.Contains("61524309", json.EnumerateArray().Single(m => m.GetProperty("to").GetString() == recipient).GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("Your code is 61524309", await http.GetStringAsync(new Uri("dev/mailbox", UriKind.Relative)), StringComparison.Ordinal);
    }

    private async Task<OutboxMessage> WaitForAsync(Guid id, Func<OutboxMessage, bool> done)
    {
        for (var i = 0; i < 300; i++)
        {
            await using var scope = Idp.CreateScope();
            var row = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>().AsNoTracking().SingleAsync(m => m.Id == id);
            if (done(row))
            {
                return row;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Outbox message {id} did not reach the expected state in 30 seconds.");
    }

    /// <summary>Every table of this test's database with a row whose text form contains <paramref name="value"/>.</summary>
    private async Task<List<string>> TablesContainingAsync(string value)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("OutboxMessages", tables);
        var found = new List<string>();
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" AS row WHERE row::text LIKE '%' || @value || '%'", connection);
            search.Parameters.AddWithValue("value", value);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                found.Add(table);
            }
        }

        return found;
    }
}
