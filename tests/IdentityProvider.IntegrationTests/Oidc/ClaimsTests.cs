using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>
/// What tokens and userinfo say about the user: scope claims from the database (the phone number is the verified
/// mobile number), <c>updated_at</c>, the <c>claims</c> request parameter, <c>acr</c>/<c>amr</c>, <c>sid</c>, and
/// nothing internal in identity tokens.
/// </summary>
public sealed class ClaimsTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private static readonly HashSet<string> ProtocolClaims =
        ["iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "azp", "auth_time", "amr", "acr", "sid", "jti", "pwd_changed_at"];

    [Fact]
    public async Task IdToken_ForTheOpenIdScopeAlone_CarriesOnlyProtocolClaims()
    {
        var (user, client) = await SignedInAsync();

        var (_, idToken) = await client.CodeFlowAsync(user.UserName);

        Assert.Empty(idToken.Claims.Select(c => c.Type).Distinct().Except(ProtocolClaims));
        Assert.Equal("1", idToken.GetPayloadValue<string>("acr"));
        Assert.Equal(["pwd"], idToken.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
    }

    [Fact]
    public async Task ClaimsParameter_IdTokenMember_PutsThoseClaimsInTheIdToken_EssentialOrNot()
    {
        var (user, client) = await SignedInAsync(mobile: "+447700900456");

        var (_, idToken) = await client.CodeFlowAsync(user.UserName, extra: new Dictionary<string, string>
        {
            ["claims"] = """{"id_token":{"email":null,"phone_number":{"essential":true}}}""",
        });

        Assert.Equal(user.Email, idToken.GetPayloadValue<string>("email"));
        Assert.Equal("+447700900456", idToken.GetPayloadValue<string>("phone_number"));
        Assert.False(idToken.TryGetPayloadValue<string>("name", out _));
    }

    [Fact]
    public async Task ClaimsParameter_UserInfoMember_AddsThoseClaimsToUserInfo_AlsoAfterARefresh()
    {
        var (user, client) = await SignedInAsync();
        var (tokens, idToken) = await client.CodeFlowAsync(user.UserName, scope: "openid offline_access", extra: new Dictionary<string, string>
        {
            ["claims"] = """{"userinfo":{"email":null,"given_name":{"essential":false}}}""",
        });
        Assert.False(idToken.TryGetPayloadValue<string>("email", out _));

        var refreshed = await client.RefreshAsync(tokens.RefreshToken!);
        var userInfo = (await client.UserInfoAsync(refreshed.AccessToken!)).Json!.Value;

        Assert.Equal(user.Email, userInfo.GetProperty("email").GetString());
        Assert.Equal(user.GivenName, userInfo.GetProperty("given_name").GetString());
        Assert.False(userInfo.TryGetProperty("family_name", out _));
    }

    [Fact]
    public async Task AnEssentialAcrThePasswordSignInDoesNotReach_IsAnErrorForTheClient()
    {
        var (user, client) = await SignedInAsync();
        var request = client.Request();
        request["claims"] = """{"id_token":{"acr":{"essential":true,"values":["2"]}}}""";

        var outcome = await client.AuthorizeAsync(request, user.UserName);

        Assert.Equal("unmet_authentication_requirements", outcome["error"]);
        Assert.Equal(request["state"], outcome["state"]);
    }

    [Fact]
    public async Task AClaimsRequestForAnotherSubject_NeedsThatUserToSignIn()
    {
        var (user, client) = await SignedInAsync();
        await client.CodeFlowAsync(user.UserName);
        var request = client.Request();
        request["prompt"] = "none";
        request["claims"] = """{"id_token":{"sub":{"value":"someone-else"}}}""";

        var outcome = await client.AuthorizeAsync(request);

        Assert.Equal("login_required", outcome["error"]);
    }

    [Fact]
    public async Task AMalformedClaimsParameter_IsAnInvalidRequestForTheClient()
    {
        var (user, client) = await SignedInAsync();
        var request = client.Request();
        request["claims"] = """{"userinfo":["name"]}""";

        var outcome = await client.AuthorizeAsync(request, user.UserName);

        Assert.Equal("invalid_request", outcome["error"]);
        Assert.Contains("claims", outcome["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PhoneScope_GivesTheVerifiedMobileNumber_AndNothingWithoutOne()
    {
        var (withMobile, client) = await SignedInAsync(mobile: "+447700900789");
        var (tokens, _) = await client.CodeFlowAsync(withMobile.UserName, scope: "openid phone");
        var userInfo = (await client.UserInfoAsync(tokens.AccessToken!)).Json!.Value;
        Assert.Equal("+447700900789", userInfo.GetProperty("phone_number").GetString());
        Assert.True(userInfo.GetProperty("phone_number_verified").GetBoolean());

        var (without, other) = await SignedInAsync();
        var (otherTokens, _) = await other.CodeFlowAsync(without.UserName, scope: "openid phone");
        Assert.False((await other.UserInfoAsync(otherTokens.AccessToken!)).Json!.Value.TryGetProperty("phone_number", out _));
    }

    [Fact]
    public async Task UpdatedAt_MovesWhenTheProfileChanges_NotWhenOnlyTheSecurityStampDoes()
    {
        var (user, client) = await SignedInAsync();
        var first = await UpdatedAtAsync(client, user.UserName);

        await Task.Delay(TimeSpan.FromSeconds(1.1)); // updated_at counts whole seconds
        await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) => users.UpdateSecurityStampAsync(stored));
        var unchanged = await UpdatedAtAsync(fixture.Client(), user.UserName);
        await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) =>
        {
            stored.GivenName = "Renamed";
            return users.UpdateAsync(stored);
        });
        var changed = await UpdatedAtAsync(fixture.Client(), user.UserName);

        Assert.Equal(first, unchanged);
        Assert.True(changed > first, $"{first} {unchanged} {changed}");
    }

    [Fact]
    public async Task LocaleAndTimeZone_SetThroughTheAdminApi_AreTheLocaleAndZoneinfoClaims()
    {
        var (user, client) = await SignedInAsync();
        await TestData.RegisterServiceClientAsync(fixture.Idp, "claims-ops-" + user.Id[..8], "cs_claims-ops-secret", "admin.users");
        using var api = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };
        var token = await api.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(fixture.Idp.BaseAddress, "connect/token").ToString(), ClientId = "claims-ops-" + user.Id[..8], ClientSecret = "cs_claims-ops-secret", Scope = "admin.users",
        });
        api.SetBearerToken(token.AccessToken!);

        using var refused = await api.PatchAsJsonAsync($"api/v1/users/{user.Id}", new { locale = "not a language", timeZone = "Nowhere/Atlantis" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("locale", out _));
        Assert.True(errors.TryGetProperty("timeZone", out _));

        using var saved = await api.PatchAsJsonAsync($"api/v1/users/{user.Id}", new { locale = "fr-CA", timeZone = "America/Toronto" });
        Assert.Equal(System.Net.HttpStatusCode.OK, saved.StatusCode);
        var (tokens, _) = await client.CodeFlowAsync(user.UserName, scope: "openid profile");
        var userInfo = (await client.UserInfoAsync(tokens.AccessToken!)).Json!.Value;

        Assert.Equal("fr-CA", userInfo.GetProperty("locale").GetString());
        Assert.Equal("America/Toronto", userInfo.GetProperty("zoneinfo").GetString());
    }

    [Fact]
    public async Task Sid_IsTheSameWithinABrowserSession_AndDiffersBetweenSessions()
    {
        var (user, client) = await SignedInAsync();
        var (_, first) = await client.CodeFlowAsync(user.UserName);
        var (_, again) = await client.CodeFlowAsync(userName: null);
        var (_, elsewhere) = await fixture.Client().CodeFlowAsync(user.UserName);

        Assert.Equal(first.GetPayloadValue<string>("sid"), again.GetPayloadValue<string>("sid"));
        Assert.NotEqual(first.GetPayloadValue<string>("sid"), elsewhere.GetPayloadValue<string>("sid"));
    }

    [Fact]
    public async Task Discovery_AdvertisesTheClaimsParameterAcrValuesAndBackChannelLogout()
    {
        var disco = await fixture.Client().DiscoverAsync();

        Assert.True(disco.TryGetBoolean("claims_parameter_supported"));
        Assert.True(disco.TryGetBoolean("backchannel_logout_supported"));
        Assert.True(disco.TryGetBoolean("backchannel_logout_session_supported"));
        Assert.Equal(["1", "2", "mfa"], disco.TryGetStringArray("acr_values_supported"));
    }

    private static async Task<long> UpdatedAtAsync(ConformanceClient client, string? userName)
    {
        var (tokens, _) = await client.CodeFlowAsync(userName, scope: "openid profile");
        return (await client.UserInfoAsync(tokens.AccessToken!)).Json!.Value.GetProperty("updated_at").GetInt64();
    }

    private async Task<(Data.ApplicationUser User, ConformanceClient Client)> SignedInAsync(string? mobile = null)
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        if (mobile is not null)
        {
            await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) =>
            {
                stored.MobilePhone = mobile;
                return users.UpdateAsync(stored);
            });
        }

        return (user, fixture.Client());
    }
}
