using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>IT staff find a user, help them, and read what happened, on accessible pages.</summary>
[Collection(DemoOrganisation.Collection)]
public sealed class AdminStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AnAdministratorRequiresTwoMethods_AndAUsersResetAsksForTwo()
    {
        var admin = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Administrator", authenticator: true);
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff", authenticator: true);
        var page = await SignedInAdminAsync(admin, "/admin/policies/self-service");
        try
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Self-service password reset policy" })).ToBeVisibleAsync();
            await UserStories.AssertAccessibleAsync(page);
            await page.GetByLabel("Methods a reset needs").SelectOptionAsync("2");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The policy is saved.");

            var reset = await fixture.NewPageAsync();
            var recovery = new Pages.RecoveryPages(reset);
            await reset.GotoAsync("/recover");
            await recovery.StartAsync(user.UserName!);
            await recovery.ChooseReasonAsync("I forgot my password");
            await Assertions.Expect(reset.GetByText("Step 1 of 2")).ToBeVisibleAsync();
        }
        finally
        {
            await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.MethodsRequired = 1);
        }
    }

    [Fact]
    public async Task TheHelpdesk_ResolvesARequestRaisedFromTheNotEnabledPage()
    {
        var outsider = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var person = await fixture.NewPageAsync();
        await person.GotoAsync("/recover");
        await new Pages.RecoveryPages(person).StartAsync(outsider.UserName!);
        await Assertions.Expect(person.GetByRole(AriaRole.Heading, new() { Name = "Self-service reset is not enabled for you" })).ToBeVisibleAsync();
        await person.GetByRole(AriaRole.Link, new() { Name = "Contact an administrator" }).ClickAsync();
        await person.GetByRole(AriaRole.Button, new() { Name = "Send the request" }).ClickAsync();
        await Assertions.Expect(person.GetByRole(AriaRole.Status)).ToContainTextAsync("Your request was sent");

        var helpdesk = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Helpdesk", authenticator: true);
        var page = await SignedInAdminAsync(helpdesk, "/admin/requests");
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = outsider.UserName! }).GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.Locator("dd").Filter(new() { HasText = "Self-service not enabled for them" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign to me" }).ClickAsync();
        await page.GetByLabel("What did you do?").FillAsync("Called the user back and reset the password.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The request is resolved.");
        await UserStories.ScreenshotAsync(page, "admin-request");
    }

    [Fact]
    public async Task TheApiDocumentation_RendersUnderTheContentSecurityPolicy()
    {
        var page = await fixture.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        await page.GotoAsync("/api/docs/index.html");
        // The first request for the OpenAPI document builds it: room for that on a busy machine.
        await Assertions.Expect(page.GetByText("Identity provider administration API")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("/api/v1/users/{id}/password-reset")).ToBeVisibleAsync();
        await UserStories.ScreenshotAsync(page, "api-docs");
        Assert.Empty(violations);
    }

    private async Task<IPage> SignedInAdminAsync(IdentityProvider.Data.ApplicationUser staff, string target)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=" + Uri.EscapeDataString(target));
        await new Pages.LoginPage(page).SignInAsync(staff.UserName!, TestData.Password);

        // Staff always prove a second factor at sign-in; it also passes the admin step-up for its window.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Verify it's you" })).ToBeVisibleAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task AHelpdeskAdministrator_ResetsAUsersPassword_AndReadsTheAuditLog()
    {
        var admin = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Administrator");
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2Fadmin");
        await new Pages.LoginPage(page).SignInAsync(admin.UserName!, TestData.Password);

        // No second factor yet: sign-in asks the administrator to add one (staff always need one) before going on.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery methods" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Add a second way to sign in.")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        // A staff account's first app needs a code sent to the account's email too, never the password alone.
        await page.GetByLabel("Code from the email").FillAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, admin.Email!));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var secret = (await page.Locator("code.secret").InnerTextAsync()).Trim();
        await page.GetByLabel("Code from the app").FillAsync(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Your authenticator app is set up." })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Done, continue" }).ClickAsync();

        // Signed in and set up the app a moment ago (a code from it): that counts as the step-up, no second code.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administration" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.GetByLabel("Find by username, email or name").FillAsync(user.UserName!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = user.UserName! }).ClickAsync();

        // A destructive action asks first, naming the user and what happens; cancel changes nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Reset the password of {user.UserName}?" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Their current password stops working at once.")).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.Locator("code.secret")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The password was reset");
        await Assertions.Expect(page.Locator("code.secret")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$"));
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "admin-user");

        await page.GotoAsync("/admin/usage?period=30d");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Self-service usage" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "admin-usage");

        foreach (var (path, heading) in new[]
        {
            ("/admin/policies/self-service", "Self-service password reset policy"), ("/admin/policies/passwords", "Password and lockout policy"),
            ("/admin/policies/multi-factor", "Multi-factor sign-in policy"),
            ("/admin/groups", "Groups"), ("/admin/clients", "Relying apps"), ("/admin/clients/edit", "Register an app"), ("/admin/outbox", "Outgoing messages"),
            ("/admin/requests", "Help requests"),
        })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
            await UserStories.AssertAccessibleAsync(page);
        }

        await page.GotoAsync("/admin/audit?type=admin.");
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Password reset by staff" }).First).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "admin-audit");
    }

    [Fact]
    public async Task EveryAdminPage_FitsAPhoneAndADesktop_AndListsSayWhenTheyAreEmpty()
    {
        var admin = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Administrator", authenticator: true);
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var page = await SignedInAdminAsync(admin, "/admin/users");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users", Exact = true })).ToBeVisibleAsync();

        foreach (var (path, heading) in new[]
        {
            ("/admin", "Administration"), ("/admin/users", "Users"), ($"/admin/users/{user.Id}", user.DisplayName),
            ("/admin/audit", "Audit log"), ("/admin/usage?period=30d", "Self-service usage"), ("/admin/requests", "Help requests"),
            ("/admin/requests?resolved=true", "Resolved requests"),
            ("/admin/policies/self-service", "Self-service password reset policy"), ("/admin/policies/passwords", "Password and lockout policy"),
            ("/admin/policies/multi-factor", "Multi-factor sign-in policy"), ("/admin/clients", "Relying apps"), ("/admin/clients/edit", "Register an app"),
            ("/admin/groups", "Groups"), ("/admin/directories", "Directories"), ("/admin/outbox", "Outgoing messages"),
        })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true, Level = 1 })).ToBeVisibleAsync();
            await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        }

        // The self-service policy's number inputs look like the other inputs.
        await page.GotoAsync("/admin/policies/self-service");
        var number = page.GetByLabel("Security questions users register (3–5)");
        var text = page.GetByLabel("\"Contact an administrator\" goes to", new() { Exact = false });
        Assert.Equal(await text.EvaluateAsync<string>("e => getComputedStyle(e).borderTopColor"), await number.EvaluateAsync<string>("e => getComputedStyle(e).borderTopColor"));
        Assert.Equal(await text.EvaluateAsync<string>("e => getComputedStyle(e).paddingTop"), await number.EvaluateAsync<string>("e => getComputedStyle(e).paddingTop"));

        // An audit filter that matches nothing says so; the user filter takes a username.
        await page.GotoAsync("/admin/audit");
        await page.GetByLabel("User (username, email or id)").FillAsync("nobody-" + Guid.NewGuid().ToString("N"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No events match these filters.")).ToBeVisibleAsync();
        await page.GetByLabel("User (username, email or id)").FillAsync(user.UserName!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Account viewed by staff" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = user.UserName!, Exact = true }).First).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.SetViewportSizeAsync(375, 800);
        await UserStories.ScreenshotAsync(page, "admin-audit-phone");
    }
}
