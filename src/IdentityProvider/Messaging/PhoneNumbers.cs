using PhoneNumbers;

namespace IdentityProvider.Messaging;

/// <summary>Validates phone numbers and writes them in E.164 (libphonenumber).</summary>
public static class PhoneNumberFormat
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// The number in E.164 (e.g. <c>+447700900123</c>), or null when it is not a valid number. Numbers without a
    /// leading <c>+</c> are read as numbers of <paramref name="defaultRegion"/> (ISO 3166 code, e.g. "GB").
    /// </summary>
    public static string? ToE164(string? input, string? defaultRegion = null)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 40)
        {
            return null;
        }

        try
        {
            var number = Util.Parse(input, defaultRegion ?? "ZZ");
            return Util.IsValidNumber(number) ? Util.Format(number, PhoneNumbers.PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
