using System.Text.RegularExpressions;
using System.Xml.Linq;
using IdentityProvider.Localization;

namespace IdentityProvider.UnitTests.Localization;

/// <summary>
/// Every text exists in every language: each text resource (<c>X.resx</c>, English, keyed by the English text) has a
/// file per language with the same keys, no empty value, the same placeholders and the same HTML tags; and every key
/// the code asks for (<c>T["…"]</c>, <c>texts["…"]</c>, <c>idpText("…")</c> in scripts, display names and validation messages) is in a resource.
/// </summary>
public sealed partial class TextResourceTests
{
    private static readonly string Source = Path.Combine(FindRoot(), "src", "IdentityProvider");

    public static TheoryData<string> Resources()
    {
        var data = new TheoryData<string>();
        foreach (var file in NeutralResources())
        {
            data.Add(Path.GetRelativePath(Source, file));
        }

        return data;
    }

    [Fact]
    public void TheServer_HasTextResources()
    {
        Assert.Contains(NeutralResources(), f => Path.GetFileName(f) == "SharedText.resx");
    }

    /// <summary>
    /// The resource compiler keeps only the first of two names that differ only in case ("Passkey", "passkey") and warns;
    /// a lookup of the other one then finds nothing and shows the English key in every language.
    /// </summary>
    [Fact]
    public void NoTwoNamesOfAResource_DifferOnlyInCase()
    {
        var clashes = Directory.EnumerateFiles(Source, "*.resx", SearchOption.AllDirectories)
            .SelectMany(file => XDocument.Load(file).Root!.Elements("data")
                .Select(data => (string)data.Attribute("name")!)
                .GroupBy(name => name, StringComparer.OrdinalIgnoreCase)
                .Where(group => group.Count() > 1)
                .Select(group => $"{Path.GetRelativePath(Source, file)}: {string.Join(", ", group.Select(n => $"\"{n}\""))}"))
            .ToList();

        Assert.True(clashes.Count == 0, "Names that differ only in case:\n" + string.Join('\n', clashes));
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public void EveryText_IsInEveryLanguage(string resource)
    {
        var english = Read(Path.Combine(Source, resource));
        var problems = new List<string>();
        foreach (var language in Languages.Supported.Where(l => l != Languages.Default))
        {
            var path = Path.Combine(Source, Path.ChangeExtension(resource, $".{language}.resx"));
            if (!File.Exists(path))
            {
                problems.Add($"{language}: no file {Path.GetFileName(path)}");
                continue;
            }

            var translated = Read(path);
            problems.AddRange(english.Keys.Except(translated.Keys).Select(k => $"{language}: missing \"{k}\""));
            problems.AddRange(translated.Keys.Except(english.Keys).Select(k => $"{language}: not in English \"{k}\""));
            foreach (var (key, value) in translated.Where(t => english.ContainsKey(t.Key)))
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    problems.Add($"{language}: empty \"{key}\"");
                }
                else if (Signature(Placeholder(), english[key]) != Signature(Placeholder(), value))
                {
                    problems.Add($"{language}: placeholders differ in \"{key}\": {value}");
                }
                else if (Signature(Tag(), english[key]) != Signature(Tag(), value))
                {
                    problems.Add($"{language}: HTML tags differ in \"{key}\": {value}");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{resource}: {problems.Count} problems:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void EveryTextTheCodeAsksFor_IsInAResource()
    {
        var keys = NeutralResources().SelectMany(f => Read(f).Keys).ToHashSet(StringComparer.Ordinal);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(Source, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal)
                || f.EndsWith(".js", StringComparison.Ordinal) && f.Contains($"wwwroot{Path.DirectorySeparatorChar}js", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var asked = 0;
        foreach (var file in files)
        {
            var code = File.ReadAllText(file);
            foreach (Match match in Asked().Matches(code))
            {
                asked++;
                var key = Regex.Unescape(match.Groups["key"].Value);
                if (!keys.Contains(key))
                {
                    missing.Add($"{Path.GetRelativePath(Source, file)}: \"{key}\"");
                }
            }
        }

        Assert.True(asked > 0, "No localised text found in the code: has the pattern changed?");
        Assert.True(missing.Count == 0, $"{missing.Count} texts are in no resource:\n" + string.Join('\n', missing));
    }

    private static string Signature(Regex pattern, string text) =>
        string.Join(',', pattern.Matches(text).Select(m => m.Value.ToLowerInvariant()).Order(StringComparer.Ordinal));

    private static IEnumerable<string> NeutralResources() =>
        Directory.EnumerateFiles(Source, "*.resx", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileNameWithoutExtension(f).IndexOf('.', StringComparison.Ordinal) < 0)
            .Order(StringComparer.Ordinal);

    private static Dictionary<string, string> Read(string path) =>
        XDocument.Load(path).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? string.Empty, StringComparer.Ordinal);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "IdentityProvider.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the tests from inside the repository.");
    }

    /// <summary>A composite-format placeholder: {0}, {1:u}.</summary>
    [GeneratedRegex(@"\{\d+(?::[^}]*)?\}")]
    private static partial Regex Placeholder();

    /// <summary>An HTML tag's name, opening or closing.</summary>
    [GeneratedRegex(@"</?[a-zA-Z][a-zA-Z0-9]*")]
    private static partial Regex Tag();

    /// <summary>A literal key given to a localiser (T, Texts, texts, the scripts' idpText) or to a data annotation (Name, ErrorMessage, Description, Prompt).</summary>
    [GeneratedRegex("""(?:\b(?:T|Texts|texts)\[|\bidpText\(|\b(?:ErrorMessage|Description|Prompt)\s*=\s*|\bDisplay\(\s*Name\s*=\s*)"(?<key>(?:[^"\\]|\\.)*)"(?!\s*\+)""")]
    private static partial Regex Asked();
}
