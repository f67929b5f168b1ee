// Copies the official schema for manifest/manifest.json's manifestVersion out of @microsoft/app-manifest into
// tests/schemas/teams-manifest-<version>.json (the tests validate offline against it).
// Usage: cd tools/manifest-schema && npm ci && node vendor.mjs
import { copyFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { manifestVersion } = JSON.parse(readFileSync(join(root, "manifest", "manifest.json"), "utf8"));
const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("@microsoft/app-manifest/package.json"));
const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const source = join(packageDir, "build", "json-schemas", "teams", `v${manifestVersion}`, "MicrosoftTeams.schema.json");
const target = join(root, "tests", "schemas", `teams-manifest-${manifestVersion}.json`);
copyFileSync(source, target);
console.log(`@microsoft/app-manifest@${version}: ${source}\n  -> ${target}`);
