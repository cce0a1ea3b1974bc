// The process entry. It imports nothing, so that it runs on any Node.js and can say in one line
// that this one is too old, before a module that needs a newer one (node:sqlite) fails to load.
const REQUIRED = { major: 22, minor: 13 };

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < REQUIRED.major || (major === REQUIRED.major && minor < REQUIRED.minor)) {
  process.stderr.write(
    `start-up failed: Node.js ${REQUIRED.major}.${REQUIRED.minor} or later is needed (node:sqlite), this is ${process.versions.node}; `
    + '`npm start` runs the project\'s own Node 22, the Docker image brings it too\n',
  );
  process.exit(1);
}

await import('./start.js');

export {};
