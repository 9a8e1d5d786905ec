namespace IdentityProvider.Passwords;

/// <summary>
/// Brings a password (or a banned term, or a name) to the form in which banned terms are looked for:
/// Unicode compatibility form (NFKC), lower case, then these character substitutions:
/// <list type="table">
/// <item><term>0</term><description>o</description></item>
/// <item><term>1</term><description>l</description></item>
/// <item><term>$</term><description>s</description></item>
/// <item><term>@</term><description>a</description></item>
/// <item><term>3</term><description>e</description></item>
/// <item><term>4</term><description>a</description></item>
/// <item><term>5</term><description>s</description></item>
/// <item><term>7</term><description>t</description></item>
/// <item><term>!</term><description>i</description></item>
/// <item><term>|</term><description>l</description></item>
/// </list>
/// </summary>
internal static class PasswordNormalizer
{
    public static string Normalize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var compatible = PasswordText.Normalize(value);
        return string.Create(compatible.Length, compatible, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = Substitute(char.ToLowerInvariant(source[i]));
            }
        });
    }

    public static char Substitute(char c) => c switch
    {
        '0' => 'o',
        '1' => 'l',
        '$' => 's',
        '@' => 'a',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '!' => 'i',
        '|' => 'l',
        _ => c,
    };
}
