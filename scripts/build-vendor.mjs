// Copies third-party browser files from node_modules into static/vendor/.
// static/vendor/ is git-ignored: it is rebuilt by `npm ci && npm run build`.
import { copyFileSync, mkdirSync } from "node:fs";

const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "static/vendor/htmx.min.js"],
];
mkdirSync("static/vendor", { recursive: true });
for (const [from, to] of files) {
  copyFileSync(from, to);
  console.log(`vendor: ${from} -> ${to}`);
}
