namespace IdentityProvider.Admin.Usage;

internal static class UsageApi
{
    public static void Map(RouteGroupBuilder usage) =>
        usage.MapGet("/", async (UsageReport report, string period = "7d", CancellationToken ct = default) =>
            period switch
            {
                "24h" => Results.Ok(await report.BuildAsync(TimeSpan.FromHours(24), ct)),
                "7d" => Results.Ok(await report.BuildAsync(TimeSpan.FromDays(7), ct)),
                "30d" => Results.Ok(await report.BuildAsync(TimeSpan.FromDays(30), ct)),
                _ => AdminApi.Invalid("period", "Period is 24h, 7d or 30d."),
            }).WithSummary("Who can reset on their own, what self-service did over the period, and sign-ins with a second factor by method (secondFactorSignIns).");
}
