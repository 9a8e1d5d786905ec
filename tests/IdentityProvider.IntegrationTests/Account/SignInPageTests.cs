using System.Net;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>The sign-in page: generic errors, lockout through Identity's counters, anti-forgery, return URLs, headers.</summary>
public sealed class SignInPageTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private const string GenericError = "That username or password is not right.";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task UnknownUser_AndWrongPassword_GetTheSameAnswer()
    {
        var user = await TestData.CreateUserAsync(Idp);

        var unknown = await SignInAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], TestData.Password);
        var wrong = await SignInAsync(user.UserName!, "Not-The-Password-1");

        Assert.Equal(HttpStatusCode.OK, unknown.Status);
        Assert.Equal(HttpStatusCode.OK, wrong.Status);
        Assert.Contains(GenericError, unknown.Html, StringComparison.Ordinal);
        Assert.Equal(Normalize(unknown.Html), Normalize(wrong.Html));
    }

    [Fact]
    public async Task CorrectPassword_SignsIn_WithEmailAsWell()
    {
        var user = await TestData.CreateUserAsync(Idp);

        var result = await SignInAsync(user.Email!, TestData.Password);

        Assert.Equal("/", result.FinalUri.AbsolutePath);
        Assert.Contains("You are signed in as", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenWrongPasswords_PauseSignIn_AndThenTheRightPasswordGetsTheSameAnswerAsAWrongOne()
    {
        var user = await TestData.CreateUserAsync(Idp);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var failed = await SignInAsync(user.UserName!, "Wrong-Password-" + attempt);
            Assert.Contains(GenericError, failed.Html, StringComparison.Ordinal);
        }

        var wrongWhileLocked = await SignInAsync(user.UserName!, "Wrong-Password-again");
        var rightWhileLocked = await SignInAsync(user.UserName!, TestData.Password);

        Assert.Contains("Sign-in from this browser is paused", rightWhileLocked.Html, StringComparison.Ordinal);
        Assert.Equal(Normalize(wrongWhileLocked.Html), Normalize(rightWhileLocked.Html));
        Assert.Contains("/recover?returnUrl=%2F&amp;userName=" + user.UserName + "&amp;reason=unlock", rightWhileLocked.Html, StringComparison.Ordinal);
        Assert.Equal("/Account/Login", rightWhileLocked.FinalUri.AbsolutePath);
    }

    [Fact]
    public async Task AnUnknownUserId_IsPausedAfterTenAttempts_Too_SoLockoutDoesNotTellAccountsApart()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..8];
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await SignInAsync(user.UserName!, "Wrong-Password-" + attempt);
            await SignInAsync(unknown, "Wrong-Password-" + attempt);
        }

        var known = await SignInAsync(user.UserName!, TestData.Password);
        var stranger = await SignInAsync(unknown, TestData.Password);

        Assert.Contains("Sign-in from this browser is paused", stranger.Html, StringComparison.Ordinal);
        Assert.Equal(Normalize(known.Html).Replace(user.UserName!, "ID", StringComparison.Ordinal), Normalize(stranger.Html).Replace(unknown, "ID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn_AndSeesTheGenericError()
    {
        var user = await TestData.CreateUserAsync(Idp);
        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) =>
        {
            stored.IsEnabled = false;
            return users.UpdateAsync(stored);
        });

        var result = await SignInAsync(user.UserName!, TestData.Password);

        Assert.Contains(GenericError, result.Html, StringComparison.Ordinal);
        Assert.Equal("/Account/Login", result.FinalUri.AbsolutePath);
    }

    [Theory]
    [InlineData("https://attacker.example/")]
    [InlineData("//attacker.example/")]
    [InlineData("/\\attacker.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task ForeignReturnUrl_IsNeverFollowed(string returnUrl)
    {
        var user = await TestData.CreateUserAsync(Idp);

        var result = await SignInAsync(user.UserName!, TestData.Password, returnUrl);

        Assert.Equal(Idp.BaseAddress.Authority, result.FinalUri.Authority);
        Assert.Equal("/", result.FinalUri.AbsolutePath);
    }

    [Fact]
    public async Task PostWithoutAntiforgeryToken_IsRejected_AndSignsNobodyIn()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient();

        using var response = await client.PostAsync(new Uri("Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = user.UserName!,
            ["Input.Password"] = TestData.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var home = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("You are not signed in", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedAndEmptyFields_GetClearMessages_NotAServerError()
    {
        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var response = await HtmlForms.SignInAsync(client, page, new string('a', 5000), string.Empty);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("The username or email address is too long.", html, StringComparison.Ordinal);
        Assert.Contains("Enter your password.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_HasSecurityHeaders_AndTheRecoveryLinkKeepsTheReturnUrl()
    {
        using var client = Idp.CreateClient();
        using var response = await client.GetAsync(new Uri("Account/Login?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dx", UriKind.Relative));

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());

        var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
        var link = document.QuerySelectorAll("a").Single(a => a.TextContent.Trim() == "Can't access your account?");
        Assert.Equal("/recover?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dx", link.GetAttribute("href"));
        Assert.NotNull(document.QuerySelector("label[for='Input_UserName']"));
        Assert.NotNull(document.QuerySelector("label[for='Input_Password']"));
    }

    [Fact]
    public async Task RecoverPage_WhenSelfServiceIsOff_SaysSoPlainly_AndLinksBackToSignIn()
    {
        using var client = Idp.CreateClient();
        using var response = await client.GetAsync(new Uri("recover?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dx", UriKind.Relative));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("not switched on for this service", html, StringComparison.Ordinal);
        Assert.Contains("/Account/Login?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dx", html, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Html, Uri FinalUri)> SignInAsync(string userName, string password, string? returnUrl = null)
    {
        using var client = Idp.CreateClient();
        var path = "Account/Login" + (returnUrl is null ? string.Empty : "?returnUrl=" + Uri.EscapeDataString(returnUrl));
        using var page = await client.GetAsync(new Uri(path, UriKind.Relative));
        using var response = await HtmlForms.SignInAsync(client, page, userName, password);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.RequestMessage!.RequestUri!);
    }

    /// <summary>Removes what differs by nature: the anti-forgery token and the echoed username.</summary>
    private static string Normalize(string html)
    {
        html = System.Text.RegularExpressions.Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"", "token");
        html = System.Text.RegularExpressions.Regex.Replace(html, "name=\"Input.UserName\" value=\"[^\"]*\"", "username");
        html = System.Text.RegularExpressions.Regex.Replace(html, "&amp;userName=[^\"&]*", "&amp;user");

        // The time the pause ends moves with the clock.
        return System.Text.RegularExpressions.Regex.Replace(html, "<time[^>]*>[^<]*</time>", "time");
    }
}
