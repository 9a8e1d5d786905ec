#!/bin/sh
# Regenerates the compiled EF Core model of each provider after a change to an entity or its configuration
# (the unit test MigrationTests.*CompiledModel_IsTheModelTheCodeBuilds says when). Needs the dotnet-ef tool
# (dotnet tool install --global dotnet-ef --version 10.0.15). The server passes the models to UseModel itself, so the
# generated assembly attributes (which would make EF use them everywhere, the migration tools included) are left out.
# The models name every module's entities, so they sit after all modules (see ModuleOrderTests) and the composition root
# hands them to the Data module (IdentityProviderApplication.Build). If the project no longer builds because an entity
# was removed, delete that entity's *EntityType.cs files here first.
set -e
cd "$(dirname "$0")/.."
for provider in PostgreSql Sqlite; do
  out=$(mktemp -d)
  dotnet ef dbcontext optimize --context "${provider}DbContext" --output-dir "$out" \
    --namespace "IdentityProvider.CompiledModels.$provider"
  rm -f "$out/${provider}DbContextAssemblyAttributes.cs"
  rm -rf "CompiledModels/$provider"
  mkdir -p "CompiledModels/$provider"
  mv "$out"/*.cs "CompiledModels/$provider/"
  rm -rf "$out"
done
