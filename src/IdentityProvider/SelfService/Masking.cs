namespace IdentityProvider.SelfService;

/// <summary>Hints that let users recognise their own contact data without revealing it to anyone else.</summary>
public static class Masking
{
    private const char Dot = '\u2022';

    /// <summary><c>john@contoso.com</c> → <c>j•••@contoso.com</c>.</summary>
    public static string Email(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var at = email.LastIndexOf('@');
        return at <= 0 ? new string(Dot, 3) : email[0] + new string(Dot, 3) + email[at..];
    }

    /// <summary><c>+15551234589</c> → <c>+1 •••• ••89</c>: the country code and the last two digits.</summary>
    public static string Phone(string e164)
    {
        ArgumentNullException.ThrowIfNull(e164);
        var number = PhoneNumbers.PhoneNumberUtil.GetInstance();
        var country = "+";
        try
        {
            country += number.Parse(e164, "ZZ").CountryCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PhoneNumbers.NumberParseException)
        {
            country = string.Empty;
        }

        var last = e164.Length >= 2 ? e164[^2..] : string.Empty;
        return $"{country} {new string(Dot, 4)} {new string(Dot, 2)}{last}".Trim();
    }
}
