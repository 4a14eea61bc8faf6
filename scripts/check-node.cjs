// Runs before `npm install` (preinstall) and says in one line what to do when
// Node is too old; kept to syntax that any Node still met in the wild parses.
// `node scripts/check-node.cjs 18.19.0` checks that version instead (tests).
var NEEDED = [20, 12];
var version = process.argv[2] || process.versions.node;
var parts = version.replace(/^v/, '').split('.').map(Number);
var ok = parts[0] > NEEDED[0] || (parts[0] === NEEDED[0] && parts[1] >= NEEDED[1]);
if (!ok) {
  process.stderr.write(
    'Tidings needs Node ' +
      NEEDED.join('.') +
      ' or newer (Node 20 LTS or 22 LTS); this is Node ' +
      version +
      '. Install a newer Node (e.g. `nvm install 20`), then run `npm install` again.\n',
  );
  process.exit(1);
}
