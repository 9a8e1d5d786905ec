using System.IO.Compression;

namespace IdentityProvider.Passwords;

/// <summary>
/// The global banned list: about 49,000 of the most common passwords from breach corpora, as published in the
/// MIT-licensed npm package <c>@zxcvbn-ts/language-common</c> (see <c>Data/refresh-common-passwords.sh</c>).
/// Shipped gzip-compressed inside the assembly and indexed once per process.
/// </summary>
internal static class CommonPasswords
{
    public const string ResourceName = "IdentityProvider.Passwords.Data.common-passwords.txt.gz";

    /// <summary>Global terms shorter than this match exactly only.</summary>
    public const int FuzzyMinimumLength = 5;

    private static readonly Lazy<BannedTermIndex> Shared = new(Load);

    public static BannedTermIndex Index => Shared.Value;

    public static IEnumerable<string> ReadRaw()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var words = new List<string>(50_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                words.Add(line);
            }
        }

        return words;
    }

    private static BannedTermIndex Load() => BannedTermIndex.Build(ReadRaw(), FuzzyMinimumLength, collapseVariants: true);
}
