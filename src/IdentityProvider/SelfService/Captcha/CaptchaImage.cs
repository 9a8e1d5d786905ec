using System.Security.Cryptography;

namespace IdentityProvider.SelfService.Captcha;

/// <summary>
/// Draws CAPTCHA text as a PNG on the server: a built-in 5×7 glyph per character, scaled, sheared and shifted at
/// random, over light speckle noise. Nothing is drawn through the letters (lines made them hard to read for people,
/// hardly harder for machines), and only characters that cannot be taken for one another are used: no 0/O/D/Q,
/// 1/I/L/J, 5/S, 2/Z or 8/B.
/// </summary>
internal static class CaptchaImage
{
    public const string Alphabet = "34679ACEFGHKMNPRTUVWXY";
    private const int Scale = 5;
    private const int Width = 200;
    private const int Height = 64;

    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['3'] = ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
        ['4'] = ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
        ['6'] = ["01110", "10000", "10000", "11110", "10001", "10001", "01110"],
        ['7'] = ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
        ['9'] = ["01110", "10001", "10001", "01111", "00001", "00001", "01110"],
        ['A'] = ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
        ['C'] = ["01111", "10000", "10000", "10000", "10000", "10000", "01111"],
        ['E'] = ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
        ['F'] = ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
        ['G'] = ["01111", "10000", "10000", "10011", "10001", "10001", "01111"],
        ['H'] = ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
        ['K'] = ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
        ['M'] = ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
        ['N'] = ["10001", "11001", "10101", "10011", "10001", "10001", "10001"],
        ['P'] = ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
        ['R'] = ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
        ['T'] = ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
        ['U'] = ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
        ['V'] = ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
        ['W'] = ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
        ['X'] = ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
        ['Y'] = ["10001", "10001", "01010", "00100", "00100", "00100", "00100"],
    };

    public static string RandomText(int length) =>
        string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });

    public static byte[] Render(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pixels = new byte[Height, Width];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                pixels[y, x] = (byte)(235 + RandomNumberGenerator.GetInt32(20)); // light speckled background
            }
        }

        var step = (Width - 20) / Math.Max(1, text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var glyph = Glyphs[char.ToUpperInvariant(text[i])];
            var left = 10 + (i * step) + RandomNumberGenerator.GetInt32(-3, 4);
            var top = 10 + RandomNumberGenerator.GetInt32(-6, 7);
            var shear = RandomNumberGenerator.GetInt32(-20, 21) / 100.0;
            var ink = (byte)RandomNumberGenerator.GetInt32(0, 50);
            for (var row = 0; row < 7; row++)
            {
                for (var column = 0; column < 5; column++)
                {
                    if (glyph[row][column] != '1')
                    {
                        continue;
                    }

                    for (var dy = 0; dy < Scale + 1; dy++)
                    {
                        for (var dx = 0; dx < Scale; dx++)
                        {
                            var y = top + (row * Scale) + dy;
                            var x = left + (column * Scale) + dx + (int)(shear * ((row * Scale) + dy - 17));
                            if (y is >= 0 and < Height && x is >= 0 and < Width)
                            {
                                pixels[y, x] = ink;
                            }
                        }
                    }
                }
            }
        }

        return PngWriter.Greyscale(pixels);
    }
}
