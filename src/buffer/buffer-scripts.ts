import { join } from 'node:path';
import { LuaScripts } from '../redis/lua-scripts';

/** The buffer's Lua scripts (`WriteBuffer` adds them to the `LuaScripts` it is given). */
export const BUFFER_LUA_DIR = join(__dirname, 'lua');

/**
 * The former name of `LuaScripts`, kept for code that builds one by hand
 * (each owner adds its own folder, so any instance serves every script).
 */
export const BufferScripts = LuaScripts;
export type BufferScripts = LuaScripts;
