using System.Text.Json;
using IdentityProvider.Messaging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace IdentityProvider.Oidc;

/// <summary>
/// Delivers back-channel logouts: signs a logout token (OpenID Connect Back-Channel Logout 1.0, section 2.4) with the
/// server's signing key at each attempt and posts it form-encoded to the app's registered address. 200 or 204 is
/// delivered; 400 means the app refused the token, which a retry will not change (dead-lettered); anything else,
/// or no answer, is retried by the dispatcher. Redirects are not followed.
/// </summary>
internal sealed class BackChannelLogoutSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory http,
    IOptionsMonitor<OpenIddictServerOptions> server,
    TimeProvider time) : IMessageSender
{
    public const string HttpClientName = "backchannel-logout";
    public const string EventType = "http://schemas.openid.net/event/backchannel-logout";
    public const string TokenType = "logout+jwt";

    /// <summary>How long a logout token is valid after it is signed.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(2);

    public bool CanSend(MessageChannel channel) => channel == MessageChannel.BackChannelLogout;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = JsonSerializer.Deserialize<LogoutRequest>(message.TextBody)
            ?? throw new PermanentDeliveryException("The queued logout request is empty.");

        Uri address;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(message.Recipient, cancellationToken)
                ?? throw new PermanentDeliveryException("The app no longer exists.");
            address = await applications.BackChannelLogoutUriAsync(application, cancellationToken)
                ?? throw new PermanentDeliveryException("The app no longer has a back-channel logout address.");
        }

        using var content = new FormUrlEncodedContent([new("logout_token", CreateToken(request, message.Recipient))]);
        using var response = await http.CreateClient(HttpClientName).PostAsync(address, content, cancellationToken);
        var status = (int)response.StatusCode;
        if (status is 200 or 204)
        {
            return;
        }

        if (status == 400)
        {
            throw new PermanentDeliveryException("The app refused the logout token (400).");
        }

        throw new HttpRequestException($"The app answered {status}.", null, response.StatusCode);
    }

    /// <summary>A signed logout token for one app: iss, aud, iat, exp, jti, events, sub and (for one session) sid; never a nonce.</summary>
    internal string CreateToken(LogoutRequest request, string clientId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = request.Subject,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            ["events"] = new Dictionary<string, object> { [EventType] = new Dictionary<string, object>() },
        };
        if (request.SessionId is not null)
        {
            claims["sid"] = request.SessionId;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = request.Issuer,
            Audience = clientId,
            IssuedAt = now,
            Expires = now + TokenLifetime,
            Claims = claims,
            TokenType = TokenType,
            SigningCredentials = server.CurrentValue.SigningCredentials.First(),
        });
    }
}
