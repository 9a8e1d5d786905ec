using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdentityProvider.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SecurityInfo : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ReconfirmDays",
                table: "SsprPolicy",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "RegistrationRequired",
                table: "SsprPolicy",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "RegistrationSkippable",
                table: "SsprPolicy",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "SecurityInfoConfirmedAt",
                table: "AspNetUsers",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ReconfirmDays",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "RegistrationRequired",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "RegistrationSkippable",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "SecurityInfoConfirmedAt",
                table: "AspNetUsers");
        }
    }
}
