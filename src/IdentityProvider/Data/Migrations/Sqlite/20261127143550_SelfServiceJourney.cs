using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdentityProvider.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SelfServiceJourney : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ContactAdministrator",
                table: "SsprPolicy",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "NotifyAdministratorsOnAdminReset",
                table: "SsprPolicy",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "NotifyUserOnReset",
                table: "SsprPolicy",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Method",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RecoveryAttempts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecoveryAttempts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RecoveryBlocks",
                columns: table => new
                {
                    Subject = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    BlockedUntil = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecoveryBlocks", x => x.Subject);
                });

            migrationBuilder.CreateTable(
                name: "RecoveryJourneys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    ReturnUrl = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<int>(type: "INTEGER", nullable: true),
                    Required = table.Column<int>(type: "INTEGER", nullable: false),
                    PassedMethods = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PendingMethod = table.Column<int>(type: "INTEGER", nullable: true),
                    PendingCodeId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PendingCodeSentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PendingQuestions = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    MobileNumberConfirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    ContactedAdministrator = table.Column<bool>(type: "INTEGER", nullable: false),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndedAs = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecoveryJourneys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RecoveryAttempts_At",
                table: "RecoveryAttempts",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_RecoveryAttempts_Subject_Kind_At",
                table: "RecoveryAttempts",
                columns: new[] { "Subject", "Kind", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_RecoveryJourneys_ExpiresAt",
                table: "RecoveryJourneys",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_RecoveryJourneys_TokenHash",
                table: "RecoveryJourneys",
                column: "TokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RecoveryAttempts");

            migrationBuilder.DropTable(
                name: "RecoveryBlocks");

            migrationBuilder.DropTable(
                name: "RecoveryJourneys");

            migrationBuilder.DropColumn(
                name: "ContactAdministrator",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "NotifyAdministratorsOnAdminReset",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "NotifyUserOnReset",
                table: "SsprPolicy");

            migrationBuilder.DropColumn(
                name: "Method",
                table: "AuditEvents");
        }
    }
}
