// The build copies every `lua` folder under src (scripts and their includes) to
// the same place under dist (or the folder given), next to the compiled code that loads it.
const { cpSync, readdirSync } = require('node:fs');
const { join, relative } = require('node:path');
const root = join(__dirname, '..');
const src = join(root, 'src');

function luaFolders(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => (entry.name === 'lua' ? [join(dir, entry.name)] : luaFolders(join(dir, entry.name))));
}

const out = process.argv[2] ?? join(root, 'dist');
for (const folder of luaFolders(src)) {
  cpSync(folder, join(out, relative(src, folder)), { recursive: true });
}
