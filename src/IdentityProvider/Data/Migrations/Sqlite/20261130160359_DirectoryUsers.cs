using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdentityProvider.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DirectoryUsers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DirectoryName",
                table: "Groups",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryDn",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryName",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryObjectId",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DirectorySyncStates",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    LastStartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastFinishedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastSucceeded = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastResult = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Users = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectorySyncStates", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_DirectoryName",
                table: "AspNetUsers",
                column: "DirectoryName");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DirectorySyncStates");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_DirectoryName",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "DirectoryName",
                table: "Groups");

            migrationBuilder.DropColumn(
                name: "DirectoryDn",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "DirectoryName",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "DirectoryObjectId",
                table: "AspNetUsers");
        }
    }
}
