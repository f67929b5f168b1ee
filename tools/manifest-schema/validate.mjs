// Validates a filled manifest with Microsoft's own validator (AppManifestUtils.validateAgainstSchema: Ajv, draft-04,
// the schema for the manifest's $schema loaded from the package, offline). A cross-check of tests/test_manifest.py.
// Usage: .venv/bin/python tools/package_app.py --dev --print-manifest | node tools/manifest-schema/validate.mjs -
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { AppManifestUtils } = require("@microsoft/app-manifest");
const path = process.argv[2] ?? "-";
const manifest = JSON.parse(readFileSync(path === "-" ? 0 : path, "utf8"));
const errors = await AppManifestUtils.validateAgainstSchema(manifest);
if (errors.length) {
  console.error(`manifest ${manifest.manifestVersion} is invalid:\n${errors.join("\n")}`);
  process.exit(1);
}
console.log(`manifest ${manifest.manifestVersion} is valid against Microsoft's schema`);
