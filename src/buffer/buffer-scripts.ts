import { join } from 'node:path';

/** The buffer's Lua scripts (`WriteBuffer` adds them to the `LuaScripts` it is given). */
export const BUFFER_LUA_DIR = join(__dirname, 'lua');
