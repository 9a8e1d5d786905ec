using System.Buffers.Binary;
using System.IO.Compression;
using IdentityProvider.SelfService.Captcha;

namespace IdentityProvider.UnitTests.SelfService;

public sealed class CaptchaImageTests
{
    [Fact]
    public void Render_WritesAValidGreyscalePng_WithInkWhereTheTextIs()
    {
        var png = CaptchaImage.Render("AC3E7K");

        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        Assert.Equal((200, 64), (width, height));

        var pixels = Decode(png, width, height);
        var dark = pixels.Count(p => p < 100);
        Assert.InRange(dark, 600, 6000); // six glyphs of ink, not a blank or black image
    }

    [Fact]
    public void RandomText_UsesOnlyUnambiguousCharacters()
    {
        var text = string.Concat(Enumerable.Range(0, 200).Select(_ => CaptchaImage.RandomText(6)));

        Assert.All(text, c => Assert.Contains(c, CaptchaImage.Alphabet));
        Assert.DoesNotContain('0', text);
        Assert.DoesNotContain('O', text);
        Assert.DoesNotContain('1', text);
        Assert.DoesNotContain('I', text);
    }

    private static byte[] Decode(byte[] png, int width, int height)
    {
        var offset = 33; // signature + IHDR chunk
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, offset + 4, 4));
        using var zlib = new ZLibStream(new MemoryStream(png, offset + 8, length), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.Equal((width + 1) * height, rows.Length);
        return [.. Enumerable.Range(0, height).SelectMany(y => rows.Skip((y * (width + 1)) + 1).Take(width))];
    }
}
