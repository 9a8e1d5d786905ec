namespace IdentityProvider.Testing;

/// <summary>Finds the repository from the test binaries, for the server's content root (wwwroot).</summary>
public static class SourceTree
{
    public static string Root { get; } = FindRoot();

    public static string ProjectDirectory => Path.Combine(Root, "src", "IdentityProvider");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "IdentityProvider.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the tests from inside the repository (IdentityProvider.sln not found).");
    }
}
