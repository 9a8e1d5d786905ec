namespace IdentityProvider.UnitTests.Hosting;

/// <summary>Which argument is the command: settings are configuration, so options and their values are not.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], "serve")]
    [InlineData(new[] { "migrate" }, "migrate")]
    [InlineData(new[] { "--ConnectionStrings:PostgreSql=Host=db", "migrate" }, "migrate")]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5000", "migrate" }, "migrate")]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5000" }, "serve")]
    [InlineData(new[] { "-h" }, "help")]
    [InlineData(new[] { "migrate", "--help" }, "help")]
    [InlineData(new[] { "Migrate" }, "migrate")]
    public void Split_FindsTheCommand(string[] args, string command) => Assert.Equal(command, CommandLine.Split(args).Command);

    [Fact]
    public void Split_LeavesTheSettingsForTheHost()
    {
        var (command, hostArgs) = CommandLine.Split(["--Database:MaxPoolSize=10", "migrate", "--urls", "http://x"]);

        Assert.Equal("migrate", command);
        Assert.Equal(["--Database:MaxPoolSize=10", "--urls", "http://x"], hostArgs);
    }

    [Fact]
    public void Split_PassesTheProbeToHealthCheck()
    {
        var (command, hostArgs) = CommandLine.Split(["healthcheck", "ready"]);

        Assert.Equal("healthcheck", command);
        Assert.Equal(["--HealthCheck=ready"], hostArgs);
    }
}
