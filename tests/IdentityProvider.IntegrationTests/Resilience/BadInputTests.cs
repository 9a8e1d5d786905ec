using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>Unusable input gets a 400 page or an RFC 9457 problem (or the protocol's own error), never a 500.</summary>
public sealed class BadInputTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    private Task<HttpClient> ApiAsync(string scope) => AdminApiClient.CreateAsync(Idp, scope);

    [Fact]
    public async Task ANonAsciiLocalReturnUrl_SignsIn_AndFallsBackToTheStartPage()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient(followRedirects: false);
        using var page = await client.GetAsync(new Uri("Account/Login?ReturnUrl=%2Fcaf%C3%A9", UriKind.Relative));

        using var signedIn = await HtmlForms.SignInAsync(client, page, user.UserName!, TestData.Password);

        // Once a 500 after a successful sign-in; now a local return address is printable ASCII (Account/ReturnUrls.cs:
        // the server's own addresses always are, percent-encoded) and anything else goes to the start page.
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("TRACE", "recover")]
    [InlineData("PUT", "Account")]
    [InlineData("DELETE", "Account/SecurityInfo")]
    [InlineData("PATCH", "admin/usage")]
    [InlineData("TRACE", "admin/users/no-such-user")]
    public async Task AMethodAPageDoesNotAnswer_Gets405_WithAllow(string method, string path)
    {
        using var client = Idp.CreateClient(followRedirects: false);
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.Contains("HEAD", response.Content.Headers.Allow);
        Assert.DoesNotContain(method, response.Content.Headers.Allow);
    }

    [Fact]
    public async Task ACheckboxThatIsNotABoolean_Gets400()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient(followRedirects: false);
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var response = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.UserName"] = user.UserName!,
            ["Input.Password"] = "not-the-password",
            ["Input.RememberMe"] = "x",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The form has a value this page cannot read.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connect/token", "grant_type=client_credentials&client_id=%00")]
    [InlineData("connect/introspect", "token=abc&client_id=%00")]
    [InlineData("connect/revoke", "token=%01abc&client_id=demo")]
    public async Task ANulOrControlCharacterInAProtocolParameter_IsAnInvalidRequest(string endpoint, string body)
    {
        using var client = Idp.CreateClient(followRedirects: false);
        using var content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded");
        using var response = await client.PostAsync(new Uri(endpoint, UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("GET", "connect/authorize?client_id=%00&response_type=code")]
    [InlineData("POST", "connect/authorize")]
    [InlineData("POST", "connect/endsession")]
    public async Task ANulInAnInteractiveProtocolRequest_GetsAnErrorPage(string method, string path)
    {
        using var client = Idp.CreateClient(followRedirects: false);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = new StringContent("client_id=%00&response_type=code&post_logout_redirect_uri=%00", Encoding.ASCII, "application/x-www-form-urlencoded");
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APageNumberPastWhatCanBeCounted_IsAProblem_AndTheLastCountablePageIsEmpty()
    {
        using var http = await ApiAsync("admin.users");
        await TestData.CreateUserAsync(Idp);

        using var tooFar = await http.GetAsync(new Uri("api/v1/users?page=10737420&pageSize=200", UriKind.Relative));
        var last = await http.GetFromJsonAsync<JsonElement>("api/v1/users?page=10737418&pageSize=200");

        Assert.Equal(HttpStatusCode.BadRequest, tooFar.StatusCode);
        Assert.True((await tooFar.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("page", out _));
        Assert.Equal(0, last.GetProperty("items").GetArrayLength());
        Assert.Equal(10737418, last.GetProperty("page").GetInt32());
    }

    [Theory]
    [InlineData("api/v1/audit?page=2147483647&pageSize=200", "admin.audit")]
    [InlineData("api/v1/helpdesk-requests?page=-1", "admin.requests")]
    [InlineData("api/v1/outbox?page=99999999999", "admin.outbox")]
    [InlineData("api/v1/users?pageSize=0", "admin.users")]
    public async Task OutOfRangePaging_IsAValidationProblem_OnEveryList(string path, string scope)
    {
        using var http = await ApiAsync(scope);
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task TheAuditPage_PastItsEnd_ShowsAnEmptyPage()
    {
        using var staff = (await StaffSession.StartAsync(Idp, "Administrator")).Browser;
        await staff.OpenAsync("admin/audit?p=1073741824");

        Assert.Equal(HttpStatusCode.OK, staff.Page.StatusCode);
        Assert.Empty(HtmlForms.Parse(staff.Html).QuerySelectorAll("table.data tbody tr"));
    }

    [Fact]
    public async Task ANullList_InAClientReplacement_IsAProblemNamingTheField()
    {
        using var http = await ApiAsync("admin.clients");
        var clientId = "nulls-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await http.PostAsJsonAsync("api/v1/clients", new { clientId, redirectUris = new[] { "https://app.example/cb" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var content = new StringContent("""{ "displayName": "x", "redirectUris": null }""", Encoding.UTF8, "application/json");
        using var response = await http.PutAsync(new Uri($"api/v1/clients/{clientId}", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("redirectUris", out _));
    }

    [Fact]
    public async Task AnUnknownJsonProperty_IsAProblemNamingIt()
    {
        using var http = await ApiAsync("admin.users");
        var user = await TestData.CreateUserAsync(Idp);

        using var content = new StringContent("""{ "givenName": "Ada", "isAdministrator": true }""", Encoding.UTF8, "application/json");
        using var response = await http.PatchAsync(new Uri($"api/v1/users/{user.Id}", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("isAdministrator", out _));
    }

    [Fact]
    public async Task ANulInAJsonString_IsAProblem_BeforeItReachesTheDatabase()
    {
        using var http = await ApiAsync("admin.users");

        using var content = new StringContent("""{ "name": "team\u0000" }""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("api/v1/groups", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task ANulInARouteValue_IsRefusedBeforeItReachesTheDatabase()
    {
        using var http = await ApiAsync("admin.users");
        using var response = await http.GetAsync(new Uri("api/v1/users/abc%00def", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
