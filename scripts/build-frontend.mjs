// Copies bpmn.io's released browser bundles (from node_modules, installed by `npm ci` from the lock file)
// into webapp/static/build, which is served by Flask and never committed.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "webapp", "static", "build");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const copies = {
  "bpmn-js/dist/bpmn-navigated-viewer.production.min.js": "bpmn-viewer.js",
  "bpmn-js/dist/bpmn-modeler.production.min.js": "bpmn-modeler.js",
  "bpmn-js/dist/assets": "bpmn-assets",
  "dmn-js/dist/dmn-viewer.production.min.js": "dmn-viewer.js",
  "dmn-js/dist/dmn-modeler.production.min.js": "dmn-modeler.js",
  "dmn-js/dist/assets": "dmn-assets",
};
for (const [from, to] of Object.entries(copies)) {
  cpSync(join(root, "node_modules", from), join(out, to), { recursive: true });
}
console.log(`front-end parts copied to ${out}`);
