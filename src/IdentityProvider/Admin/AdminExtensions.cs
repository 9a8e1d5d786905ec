using IdentityProvider.Data;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>The roles of IT staff and what each may open.</summary>
/// <summary>The authorization policies of the admin pages and API, by the staff roles (<see cref="StaffRoles"/>) they admit.</summary>
public static class AdminPolicies
{
    /// <summary>Users: administrators and the helpdesk (who may not act on administrators).</summary>
    public const string UsersPolicy = "admin.users";

    /// <summary>The audit log: administrators and auditors.</summary>
    public const string AuditPolicy = "admin.audit";

    /// <summary>Policies and settings: administrators only.</summary>
    public const string SettingsPolicy = "admin.settings";

    /// <summary>Any of the three roles: the admin home page.</summary>
    public const string StaffPolicy = "admin.staff";
}

internal static class AdminExtensions
{
    /// <summary>The admin API, its OpenAPI document (<c>/api/openapi/v1.json</c>) and a browsable UI (<c>/api/docs</c>).</summary>
    public static WebApplication MapAdmin(this WebApplication app)
    {
        app.MapAdminApi();
        app.MapOpenApi("/api/openapi/{documentName}.json");
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "api/docs";
            options.SwaggerEndpoint("/api/openapi/v1.json", "Administration API v1");
            options.DocumentTitle = "Administration API";
        });
        return app;
    }

    /// <summary>The admin pages: role policies and the step-up every admin page needs.</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicies.UsersPolicy, policy => policy.RequireRole(StaffRoles.Administrator, StaffRoles.Helpdesk))
            .AddPolicy(AdminPolicies.AuditPolicy, policy => policy.RequireRole(StaffRoles.Administrator, StaffRoles.Auditor))
            .AddPolicy(AdminPolicies.SettingsPolicy, policy => policy.RequireRole(StaffRoles.Administrator))
            .AddPolicy(AdminPolicies.StaffPolicy, policy => policy.RequireRole(StaffRoles.Administrator, StaffRoles.Helpdesk, StaffRoles.Auditor));
        // The API's scopes, one per area, join the protocol's own (each module registers the scopes it answers to).
        builder.Services.AddOpenIddict().AddServer(server => server.RegisterScopes([.. AdminApi.Scopes]));
        builder.Services.AddProblemDetails();
        // The pages report every broken rule of a policy at once, its cross-setting rules too (IValidatableObject).
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(options => options.ValidateComplexTypesIfChildValidationFails = true);
        // Enums travel by name ("Selected", "AlternateEmail"), as the documentation shows them.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddOpenApi("v1", options => options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true);
        builder.Services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Identity provider administration API";
            document.Info.Description = "Users, audit log, self-service policy and help requests. Send an access token from this server "
                + "with the area's scope (admin.users, admin.audit, admin.policies, admin.requests, admin.clients, admin.outbox). Errors are RFC 9457 problem details. "
                + "Lists take page (from 1) and pageSize (1–200, default 50) and answer { items, page, pageSize, total }.";
            return Task.CompletedTask;
        }));
        // The account actions, one class per use case, each asking the guard first (Users/Actions).
        builder.Services.AddScoped<Users.Actions.AdminActionGuard>();
        builder.Services.AddScoped<Users.Actions.CreateUserAction>();
        builder.Services.AddScoped<Users.Actions.UpdateUserAction>();
        builder.Services.AddScoped<Users.Actions.ResetPasswordAction>();
        builder.Services.AddScoped<Users.Actions.UnlockAction>();
        builder.Services.AddScoped<Users.Actions.RevokeSessionsAction>();
        builder.Services.AddScoped<Users.Actions.RemoveAuthenticatorAction>();
        builder.Services.AddScoped<Users.Actions.SecondFactorNotice>();
        builder.Services.AddScoped<Users.Actions.RemovePasskeyAction>();
        builder.Services.AddScoped<Users.Actions.ResetBackupCodesAction>();
        builder.Services.AddScoped<Users.Actions.RequireSecondFactorRegistrationAction>();
        builder.Services.AddScoped<Users.Actions.SetEnabledAction>();
        builder.Services.AddScoped<Users.Actions.SetManagedExternallyAction>();
        builder.Services.AddScoped<Users.Actions.SetRolesAction>();
        builder.Services.AddScoped<Users.Actions.SetGroupAction>();
        builder.Services.AddSingleton<AdminNames>();
        builder.Services.AddTexts<AdminText>();
        builder.Services.AddScoped<Clients.AdminClients>();
        builder.Services.AddScoped<Usage.UsageReport>();
        builder.Services.AddScoped<Groups.AdminGroups>();
        builder.Services.Configure<RazorPagesOptions>(options =>
        {
            options.Conventions.AuthorizeFolder("/Admin", AdminPolicies.StaffPolicy);
            options.Conventions.AddFolderApplicationModelConvention("/Admin", model =>
            {
                if (model.ViewEnginePath != "/Admin/Verify")
                {
                    model.Filters.Add(new AdminStepUpFilter());
                }
            });
        });
        return builder;
    }
}
