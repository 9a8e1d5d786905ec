using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdentityProvider.Data.Migrations.PostgreSql
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
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryDn",
                table: "AspNetUsers",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryName",
                table: "AspNetUsers",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DirectoryObjectId",
                table: "AspNetUsers",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DirectorySyncStates",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    LeaseUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastStartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastFinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastSucceeded = table.Column<bool>(type: "boolean", nullable: false),
                    LastResult = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Users = table.Column<int>(type: "integer", nullable: false)
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
