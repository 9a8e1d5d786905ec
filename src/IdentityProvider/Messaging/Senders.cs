using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using IdentityProvider.Hosting;
using IdentityProvider.Telemetry;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace IdentityProvider.Messaging;

/// <summary>Delivers messages of some channels. Throw <see cref="PermanentDeliveryException"/> for failures a retry cannot fix.</summary>
public interface IMessageSender
{
    bool CanSend(MessageChannel channel);

    Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);
}

/// <summary>A failure that retrying will not fix (e.g. SMTP 5xx, an invalid number): the message is dead-lettered.</summary>
public sealed class PermanentDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Email over SMTP with MailKit: one connection kept open across a dispatcher's sends, reopened after any error.</summary>
internal sealed class SmtpEmailSender(IOptions<MessagingOptions> options, IOptions<OrganizationOptions> organization) : IMessageSender, IDisposable
{
    private SmtpClient? client;

    public bool CanSend(MessageChannel channel) => channel == MessageChannel.Email;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var mime = new MimeMessage
        {
            MessageId = $"{message.Id:N}@{DomainOf(smtp.FromAddress)}",
            Subject = message.Subject ?? string.Empty,
            Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody(),
        };
        mime.From.Add(new MailboxAddress(smtp.FromName ?? $"{organization.Value.Name} account team", smtp.FromAddress));
        mime.To.Add(MailboxAddress.Parse(message.Recipient));
        mime.Headers.Add("X-Outbox-Id", message.Id.ToString("D"));

        // One client span per send: the server and template only, never an address, subject or body.
        using var activity = IdentityProviderMetrics.Activities.StartActivity("smtp send", ActivityKind.Client);
        activity?.SetTag("server.address", smtp.Host);
        activity?.SetTag("server.port", smtp.Port);
        activity?.SetTag("network.protocol.name", "smtp");
        activity?.SetTag("identity_provider.message.template", message.Template);
        activity?.SetTag("identity_provider.smtp.connection", client is { IsConnected: true } ? "reused" : "new");
        try
        {
            var connected = await ConnectAsync(smtp, cancellationToken);
            await connected.SendAsync(mime, cancellationToken);
        }
        catch (SmtpCommandException error) when ((int)error.StatusCode >= 500)
        {
            Failed(activity, ((int)error.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Reset();
            throw new PermanentDeliveryException($"SMTP {(int)error.StatusCode}: {error.Message}", error);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failed(activity, error.GetType().FullName);
            Reset();
            throw;
        }
    }

    private static void Failed(Activity? activity, string? type)
    {
        activity?.SetTag("error.type", type);
        activity?.SetStatus(ActivityStatusCode.Error);
    }

    public void Dispose() => Reset();

    private async Task<SmtpClient> ConnectAsync(SmtpOptions smtp, CancellationToken cancellationToken)
    {
        if (client is { IsConnected: true })
        {
            return client;
        }

        Reset();
        client = new SmtpClient { Timeout = (int)options.Value.SendTimeout.TotalMilliseconds };
        var security = smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.ImplicitTls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        // SMTP is a conversation of small request/response lines: turn Nagle's algorithm off, or each message
        // waits on delayed acknowledgements.
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(smtp.Host, smtp.Port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        await client.ConnectAsync(socket, smtp.Host, smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken);
        }

        return client;
    }

    private void Reset()
    {
        client?.Dispose();
        client = null;
    }

    private static string DomainOf(string address) => address.Contains('@', StringComparison.Ordinal) ? address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..] : "localhost";
}

/// <summary>Every message for a person into the database mailbox shown at /dev/mailbox (embedded default only).</summary>
internal sealed class DevMailboxSender(IServiceScopeFactory scopes, OutboxBodies bodies, TimeProvider time) : IMessageSender
{
    // Back-channel logouts go to the apps themselves, also in the embedded default.
    public bool CanSend(MessageChannel channel) => channel != MessageChannel.BackChannelLogout;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        db.Add(new DevMailboxMessage
        {
            MessageId = message.Id,
            Channel = message.Channel,
            Recipient = message.Recipient,
            Subject = message.Subject,
            TextBody = bodies.Seal(message.TextBody),
            HtmlBody = bodies.SealOrNull(message.HtmlBody),
            ReceivedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>Which telephony provider sends text messages and calls. Section <c>Messaging:Telephony</c>.</summary>
public sealed class TelephonyOptions
{
    /// <summary><c>None</c>, <c>Twilio</c> (its REST API) or <c>Webhook</c> (your own gateway).</summary>
    public TelephonyProvider Provider { get; set; }

    /// <summary>The sending number in E.164.</summary>
    public string? From { get; set; }

    /// <summary>Twilio-style REST API base address. Default <c>https://api.twilio.com/</c>.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.twilio.com/");

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>Webhook: where to POST each message.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Webhook: the shared secret for the HMAC-SHA256 signature.</summary>
    public string? WebhookSecret { get; set; }
}

public enum TelephonyProvider
{
    None,
    Twilio,
    Webhook,
}

/// <summary>Twilio's REST API: a message (<c>Messages.json</c>) or a text-to-speech call (<c>Calls.json</c> with TwiML).</summary>
internal sealed class TwilioTelephonySender(IHttpClientFactory http, IOptions<TelephonyOptions> options) : IMessageSender
{
    public const string HttpClientName = "telephony-twilio";

    public bool CanSend(MessageChannel channel) => channel is MessageChannel.Sms or MessageChannel.Voice;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = http.CreateClient(HttpClientName);
        var resource = message.Channel == MessageChannel.Sms ? "Messages.json" : "Calls.json";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.ApiBaseUrl, $"2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid ?? string.Empty)}/{resource}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));
        var fields = new Dictionary<string, string> { ["To"] = message.Recipient, ["From"] = settings.From ?? string.Empty };
        if (message.Channel == MessageChannel.Sms)
        {
            fields["Body"] = message.TextBody;
        }
        else
        {
            var say = System.Security.SecurityElement.Escape(message.TextBody);
            fields["Twiml"] = $"<Response><Say>{say}</Say><Pause length=\"1\"/><Say>{say}</Say></Response>";
        }

        request.Content = new FormUrlEncodedContent(fields);
        using var response = await client.SendAsync(request, cancellationToken);
        await TelephonyResponses.EnsureDeliveredAsync(response, cancellationToken);
    }
}

/// <summary>A generic HTTPS webhook for organisations with their own gateway: JSON, HMAC-SHA256 signed, idempotency key.</summary>
internal sealed class WebhookTelephonySender(IHttpClientFactory http, IOptions<TelephonyOptions> options, TimeProvider time) : IMessageSender
{
    public const string HttpClientName = "telephony-webhook";
    public const string SignatureHeader = "X-Signature";

    public bool CanSend(MessageChannel channel) => channel is MessageChannel.Sms or MessageChannel.Voice;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = JsonContent.Create(new WebhookMessage(
            message.Id,
            message.Channel == MessageChannel.Sms ? "sms" : "voice",
            message.Recipient,
            message.TextBody));
        var payload = await body.ReadAsByteArrayAsync(cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, $"t={timestamp},v1={Sign(settings.WebhookSecret ?? string.Empty, timestamp, payload)}");
        request.Headers.Add("Idempotency-Key", message.Id.ToString("D"));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        await TelephonyResponses.EnsureDeliveredAsync(response, cancellationToken);
    }

    /// <summary>Hex HMAC-SHA256 of "timestamp.body" with the shared secret.</summary>
    public static string Sign(string secret, string timestamp, byte[] payload)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(payload).ToArray();
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    private sealed record WebhookMessage(Guid Id, string Channel, string To, string Text);
}

internal static class TelephonyResponses
{
    public static async Task EnsureDeliveredAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var detail = await response.Content.ReadAsStringAsync(cancellationToken);
        detail = detail.Length > 300 ? detail[..300] : detail;
        if (status is >= 400 and < 500 and not 408 and not 429)
        {
            throw new PermanentDeliveryException($"Provider refused the message ({status}): {detail}");
        }

        throw new HttpRequestException($"Provider answered {status}: {detail}", null, response.StatusCode);
    }
}
