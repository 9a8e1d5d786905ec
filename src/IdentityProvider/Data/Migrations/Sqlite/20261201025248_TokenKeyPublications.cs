using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdentityProvider.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TokenKeyPublications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TokenKeyPublications",
                columns: table => new
                {
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Use = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    PublishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ActivatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RetiredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TokenKeyPublications", x => x.KeyId);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TokenKeyPublications");
        }
    }
}
