// @redocly/cli 2.x needs Node.js >= 20.19 (22.12 for its next releases);
// Debian 12's nodejs is 18.  Say so plainly instead of npm's EBADENGINE.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`test-openapi: Node.js ${process.versions.node} is too old for ` +
                "@redocly/cli 2.x (needs >= 20.19; e.g. NodeSource's nodejs)");
  process.exit(1);
}
