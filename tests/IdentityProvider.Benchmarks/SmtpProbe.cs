namespace IdentityProvider.Benchmarks;
internal static class SmtpProbe
{
    public static async Task RunAsync(int port)
    {
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var w = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 50; i++)
        {
            var m = new MimeKit.MimeMessage(); m.From.Add(MimeKit.MailboxAddress.Parse("a@b.c")); m.To.Add(MimeKit.MailboxAddress.Parse("x@y.z")); m.Subject = "s"; m.Body = new MimeKit.TextPart("plain") { Text = "hi" };
            await client.SendAsync(m);
        }
        Console.WriteLine($"probe: {w.Elapsed.TotalMilliseconds / 50:F1} ms per message");
    }
}
