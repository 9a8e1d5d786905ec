using IdentityProvider.SelfService;

namespace IdentityProvider.UnitTests.SelfService;

public sealed class MaskingTests
{
    [Theory]
    [InlineData("john@contoso.com", "j•••@contoso.com")]
    [InlineData("a@b.example", "a•••@b.example")]
    [InlineData("not-an-address", "•••")]
    public void Email_KeepsTheFirstLetterAndTheDomain(string email, string expected) => Assert.Equal(expected, Masking.Email(email));

    [Theory]
    [InlineData("+15551234589", "+1 •••• ••89")]
    [InlineData("+447400123456", "+44 •••• ••56")]
    public void Phone_KeepsTheCountryCodeAndTheLastTwoDigits(string phone, string expected) => Assert.Equal(expected, Masking.Phone(phone));
}
