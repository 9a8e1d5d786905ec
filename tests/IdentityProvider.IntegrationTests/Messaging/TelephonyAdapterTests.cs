using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>
/// The SMS and voice adapters against a local HTTP server that plays the provider: it checks the request shape,
/// authentication or signature, and can answer with errors or too slowly.
/// </summary>
public sealed class TelephonyAdapterTests : IAsyncLifetime
{
    private const string Secret = "webhook-shared-secret";
    private readonly ConcurrentQueue<(string Path, Dictionary<string, string> Headers, string Body)> requests = new();
    private WebApplication provider = null!;
    private Uri address = null!;
    private int failWith;
    private TimeSpan delay;

    public async ValueTask InitializeAsync()
    {
        address = new Uri($"http://127.0.0.1:{Ports.Free()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        provider = builder.Build();
        provider.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            requests.Enqueue((context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            return failWith == 0 ? Results.Json(new { sid = "SM123", status = "queued" }, statusCode: 201) : Results.Json(new { code = 21211, message = "provider error" }, statusCode: failWith);
        });
        await provider.StartAsync();

        // Warm the provider up so the tests time what they mean to, not the first request's start-up.
        using var warmUp = new HttpClient();
        (await warmUp.PostAsync(new Uri(address, "warm-up"), new StringContent("{}"))).Dispose();
        requests.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await provider.StopAsync();
        await provider.DisposeAsync();
    }

    [Fact]
    public async Task Webhook_PostsSignedJson_WithTheNormalisedNumber_AndAnIdempotencyKey()
    {
        var message = Sms(PhoneNumberFormat.ToE164("07400 123456", "GB")!, "Northwind: your verification code is 12345678");

        await Webhook().SendAsync(message, CancellationToken.None);

        // A slow first attempt (a loaded machine) may be retried; every attempt carries the same idempotency key, so
        // the provider sends once.
        var (path, headers, body) = requests.First();
        Assert.All(requests, r => Assert.Equal(message.Id.ToString("D"), r.Headers["Idempotency-Key"]));
        Assert.Equal("/hooks/sms", path);
        Assert.Equal(message.Id.ToString("D"), headers["Idempotency-Key"]);
        var signature = headers[WebhookTelephonySender.SignatureHeader].Split(',').ToDictionary(p => p.Split('=')[0], p => p.Split('=')[1]);
        Assert.Equal(WebhookTelephonySender.Sign(Secret, signature["t"], Encoding.UTF8.GetBytes(body)), signature["v1"]);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("+447400123456", json.RootElement.GetProperty("to").GetString());
        Assert.Equal("sms", json.RootElement.GetProperty("channel").GetString());
        Assert.Equal("Northwind: your verification code is 12345678", json.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Twilio_SendsTheMessageForm_AndACallThatReadsTheCodeTwice()
    {
        var templates = new MessageTemplates(Options.Create(new IdentityProvider.Hosting.OrganizationOptions { Name = "Northwind" }), Options.Create(new MessagingOptions()));
        var sender = Twilio();

        await sender.SendAsync(Sms("+14155550123", templates.SmsCode("12345678", CultureInfo.InvariantCulture)), CancellationToken.None);
        var call = new OutboxMessage { Channel = MessageChannel.Voice, Recipient = "+14155550123", TextBody = templates.VoiceCode("12345678", CultureInfo.InvariantCulture) };
        await sender.SendAsync(call, CancellationToken.None);

        var sent = requests.ToArray();
        Assert.Equal("/2010-04-01/Accounts/AC123/Messages.json", sent[0].Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AC123:token-xyz")), sent[0].Headers["Authorization"]);
        var form = System.Web.HttpUtility.ParseQueryString(sent[0].Body);
        Assert.Equal("+14155550123", form["To"]);
        Assert.Equal("+14155550100", form["From"]);
        Assert.Equal("Northwind: your verification code is 12345678", form["Body"]);

        Assert.Equal("/2010-04-01/Accounts/AC123/Calls.json", sent[1].Path);
        var twiml = System.Web.HttpUtility.ParseQueryString(sent[1].Body)["Twiml"]!;
        Assert.Equal(2, twiml.Split("<Say>").Length - 1);
        Assert.Equal(4, twiml.Split("1, 2, 3, 4, 5, 6, 7, 8").Length - 1); // the code twice in each of the two readings
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(503, false)]
    [InlineData(429, false)]
    public async Task ProviderErrors_AreSortedIntoPermanentAndTransient(int status, bool permanent)
    {
        failWith = status;

        var error = await Record.ExceptionAsync(() => Webhook().SendAsync(Sms("+14155550123", "x"), CancellationToken.None));

        Assert.NotNull(error);
        Assert.Equal(permanent, error is PermanentDeliveryException);
    }

    [Fact]
    public async Task SlowProvider_TimesOut_AsATransientFailure()
    {
        delay = TimeSpan.FromSeconds(60);

        var error = await Record.ExceptionAsync(() => Webhook().SendAsync(Sms("+14155550123", "x"), CancellationToken.None));

        Assert.NotNull(error);
        Assert.IsNotType<PermanentDeliveryException>(error);
    }

    [Theory]
    [InlineData("07400 123456", "GB", "+447400123456")]
    [InlineData("+1 (415) 555-0123", null, "+14155550123")]
    [InlineData("not a number", "GB", null)]
    [InlineData("123", "GB", null)]
    public void PhoneNumbers_AreValidatedAndWrittenInE164(string input, string? region, string? expected) =>
        Assert.Equal(expected, PhoneNumberFormat.ToE164(input, region));

    private static OutboxMessage Sms(string to, string text) => new() { Channel = MessageChannel.Sms, Recipient = to, TextBody = text };

    private WebhookTelephonySender Webhook()
    {
        var options = Options.Create(new TelephonyOptions { Provider = TelephonyProvider.Webhook, WebhookUrl = new Uri(address, "hooks/sms"), WebhookSecret = Secret });
        return new WebhookTelephonySender(Clients(WebhookTelephonySender.HttpClientName), options, TimeProvider.System);
    }

    private TwilioTelephonySender Twilio() => new(
        Clients(TwilioTelephonySender.HttpClientName),
        Options.Create(new TelephonyOptions { Provider = TelephonyProvider.Twilio, ApiBaseUrl = address, AccountSid = "AC123", AuthToken = "token-xyz", From = "+14155550100" }));

    /// <summary>The same standard resilience handler as the server registers, with test-sized waits.</summary>
    private static IHttpClientFactory Clients(string name)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(name).AddStandardResilienceHandler(options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(50);
            options.Retry.MaxRetryAttempts = 2;
            // Roomy enough for a first request on a machine running two suites at once (8 s was not); the slow-provider
            // test's provider waits longer than all of it.
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(25);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(20);
        });
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }
}
