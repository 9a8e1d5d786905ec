using IdentityProvider.Account;

namespace IdentityProvider.UnitTests.Account;

public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/connect/authorize?client_id=a&scope=openid", "/connect/authorize?client_id=a&scope=openid")]
    [InlineData("/", "/")]
    [InlineData("~/Account", "~/Account")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://attacker.example/", "/")]
    [InlineData("//attacker.example/", "/")]
    [InlineData("/\\attacker.example/", "/")]
    [InlineData("~//attacker.example", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/ok\r\nLocation: https://attacker.example", "/")]
    [InlineData("/ok /evil", "/")]
    [InlineData("/caf\u00e9", "/")]
    [InlineData("/\u3000/attacker.example", "/")]
    [InlineData("/%2F%2Fattacker.example", "/%2F%2Fattacker.example")]
    public void Sanitize_KeepsOnlyLocalPaths(string? input, string expected) =>
        Assert.Equal(expected, ReturnUrls.Sanitize(input));

    [Fact]
    public void Sanitize_RefusesAbsurdlyLongUrls() =>
        Assert.Equal("/", ReturnUrls.Sanitize("/" + new string('a', 5000)));
}
