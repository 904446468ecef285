// The build copies the Lua scripts next to the compiled buffer code, where buffer-scripts.js reads them.
const { cpSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
cpSync(join(root, 'src', 'buffer', 'lua'), join(root, 'dist', 'buffer', 'lua'), { recursive: true });
