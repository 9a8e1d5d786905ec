using IdentityProvider.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Messaging;

internal static class MessagingExtensions
{
    /// <summary>The outbox, its dispatcher, the SMTP and telephony senders (or the dev mailbox) and the templates.</summary>
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !(o.UseDevMailbox && builder.Environment.IsProduction()),
                "Messaging:UseDevMailbox is for development only and is refused in the Production environment.")
            .ValidateOnStart();
        builder.Services.AddOptions<TelephonyOptions>().BindConfiguration($"{MessagingOptions.SectionName}:Telephony")
            .Validate(o => o.Provider != TelephonyProvider.Twilio || (!string.IsNullOrEmpty(o.AccountSid) && !string.IsNullOrEmpty(o.AuthToken) && !string.IsNullOrEmpty(o.From)),
                "Messaging:Telephony with Provider Twilio needs AccountSid, AuthToken and From.")
            .Validate(o => o.Provider != TelephonyProvider.Webhook || (o.WebhookUrl is not null && !string.IsNullOrEmpty(o.WebhookSecret)),
                "Messaging:Telephony with Provider Webhook needs WebhookUrl and WebhookSecret.")
            .ValidateOnStart();

        builder.Services.AddSingleton<MessageTemplates>();
        builder.Services.AddSingleton<OutboxBodies>();
        builder.Services.AddScoped<Outbox>();
        builder.Services.AddScoped<OutboxQueries>();
        builder.Services.AddRetentionRule(nameof(RetentionOptions.DeadLetters), (db, settings, now, cancellationToken) =>
        {
            var before = (now - settings.DeadLetters).ToUnixTimeMilliseconds();
            return db.Set<OutboxMessage>().Where(m => m.Status == OutboxStatus.DeadLettered && m.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
        });

        var settings = builder.Configuration.GetSection(MessagingOptions.SectionName).Get<MessagingOptions>() ?? new MessagingOptions();
        var telephony = builder.Configuration.GetSection($"{MessagingOptions.SectionName}:Telephony").Get<TelephonyOptions>() ?? new TelephonyOptions();
        if (settings.UseDevMailbox)
        {
            builder.Services.AddSingleton<IMessageSender, DevMailboxSender>();
        }
        else
        {
            builder.Services.AddSingleton<IMessageSender, SmtpEmailSender>();
            if (telephony.Provider == TelephonyProvider.Twilio)
            {
                builder.Services.AddSingleton<IMessageSender, TwilioTelephonySender>();
            }
            else if (telephony.Provider == TelephonyProvider.Webhook)
            {
                builder.Services.AddSingleton<IMessageSender, WebhookTelephonySender>();
            }
        }

        foreach (var name in new[] { TwilioTelephonySender.HttpClientName, WebhookTelephonySender.HttpClientName })
        {
            builder.Services.AddHttpClient(name).AddStandardResilienceHandler();
        }

        builder.Services.AddSingleton<OutboxGauges>();
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OutboxDispatcher>());
        return builder;
    }

    /// <summary>The dev mailbox as JSON, for scripts that need a code (embedded default only).</summary>
    public static IEndpointRouteBuilder MapDevMailbox(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dev/mailbox.json", async (HttpContext context, IOptions<MessagingOptions> options, OutboxBodies bodies, Data.ApplicationDbContext db) =>
        {
            if (!options.Value.UseDevMailbox)
            {
                return Results.NotFound();
            }

            var messages = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                db.Set<DevMailboxMessage>().OrderByDescending(m => m.Id).Take(100), context.RequestAborted);
            return Results.Ok(messages.Select(m => new
            {
                id = m.MessageId,
                channel = m.Channel.ToString().ToLowerInvariant(),
                to = m.Recipient,
                subject = m.Subject,
                text = bodies.Open(m.TextBody),
                html = bodies.OpenOrNull(m.HtmlBody),
                receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(m.ReceivedAt),
            }));
        });
        return app;
    }
}
