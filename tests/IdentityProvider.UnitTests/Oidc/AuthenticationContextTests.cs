using System.Text.Json.Nodes;
using IdentityProvider.Oidc;

namespace IdentityProvider.UnitTests.Oidc;

public sealed class AuthenticationContextTests
{
    [Fact]
    public void APasswordAlone_IsOneFactor_WithoutMfa()
    {
        Assert.Equal(["pwd"], AuthenticationContext.Amr(["pwd"]));
        Assert.Equal("1", AuthenticationContext.Acr(["pwd"]));
    }

    [Fact]
    public void NoRecordedMethod_CountsAsThePassword()
    {
        Assert.Equal(["pwd"], AuthenticationContext.Amr([]));
    }

    [Theory]
    [InlineData("otp")]
    [InlineData("hwk")]
    [InlineData("face")]
    public void APasswordAndAnotherKindOfFactor_AreTwoFactors_AndAddMfa(string second)
    {
        var amr = AuthenticationContext.Amr(["pwd", second]);

        Assert.Equal(["pwd", second, "mfa"], amr);
        Assert.Equal("2", AuthenticationContext.Acr(amr));
    }

    [Theory]
    [InlineData("hwk")]
    [InlineData("swk")]
    public void APasskeyWithUserVerification_RecordedWithMfa_IsTwoFactors(string key)
    {
        var amr = AuthenticationContext.Amr([key, "mfa"]);

        Assert.Equal([key, "mfa"], amr);
        Assert.Equal("2", AuthenticationContext.Acr(amr));
    }

    [Fact]
    public void TwoFactorsOfTheSameKind_AreStillOneFactor()
    {
        Assert.Equal("1", AuthenticationContext.Acr(["pwd", "kba"]));
        Assert.DoesNotContain("mfa", AuthenticationContext.Amr(["pwd", "kba"]));
    }

    [Theory]
    [InlineData("1", "1", true)]
    [InlineData("2", "1", true)]
    [InlineData("1", "2", false)]
    [InlineData("2", "urn:unknown", false)]
    public void Satisfies_ComparesLevels_AndNeverReachesUnknownValues(string reached, string wanted, bool expected)
    {
        Assert.Equal(expected, AuthenticationContext.Satisfies(reached, wanted));
    }
}

public sealed class ClaimsRequestTests
{
    [Fact]
    public void EssentialAndVoluntaryClaims_AreReadPerMember_WithTheirValues()
    {
        Assert.True(ClaimsRequest.TryParse(JsonNode.Parse("""
            {"userinfo":{"name":{"essential":true},"email":null},"id_token":{"acr":{"essential":true,"values":["2","1"]},"sub":{"value":"u1"}}}
            """), out var request));

        Assert.True(request.UserInfo["name"].Essential);
        Assert.False(request.UserInfo["email"].Essential);
        Assert.Equal(["2", "1"], request.IdToken["acr"].Values);
        Assert.Equal(["u1"], request.Find("sub").Single().Claim.Values);
    }

    [Fact]
    public void NoParameter_IsAnEmptyRequest()
    {
        Assert.True(ClaimsRequest.TryParse(null, out var request));
        Assert.Empty(request.UserInfo);
        Assert.Empty(request.IdToken);
    }

    [Theory]
    [InlineData("""["name"]""")]
    [InlineData("""{"userinfo":["name"]}""")]
    [InlineData("""{"id_token":{"name":true}}""")]
    public void AParameterOfTheWrongShape_IsRefused(string json)
    {
        Assert.False(ClaimsRequest.TryParse(JsonNode.Parse(json), out _));
    }
}
