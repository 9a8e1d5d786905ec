using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin;

/// <summary>The roles of IT staff and what each may open.</summary>
public static class AdminRoles
{
    public const string Administrator = "Administrator";
    public const string Helpdesk = "Helpdesk";
    public const string Auditor = "Auditor";

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
    /// <summary>The admin pages: role policies and the step-up every admin page needs.</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminRoles.UsersPolicy, policy => policy.RequireRole(AdminRoles.Administrator, AdminRoles.Helpdesk))
            .AddPolicy(AdminRoles.AuditPolicy, policy => policy.RequireRole(AdminRoles.Administrator, AdminRoles.Auditor))
            .AddPolicy(AdminRoles.SettingsPolicy, policy => policy.RequireRole(AdminRoles.Administrator))
            .AddPolicy(AdminRoles.StaffPolicy, policy => policy.RequireRole(AdminRoles.Administrator, AdminRoles.Helpdesk, AdminRoles.Auditor));
        builder.Services.AddSingleton<AdminStepUp>();
        builder.Services.AddScoped<Users.AdminUserActions>();
        builder.Services.AddScoped<Requests.HelpdeskRequests>();
        builder.Services.Configure<RazorPagesOptions>(options =>
        {
            options.Conventions.AuthorizeFolder("/Admin", AdminRoles.StaffPolicy);
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
