import { createRequire } from 'node:module';

/** A module the build would write (ajv standalone code, CommonJS), evaluated as Node loads it from dist. */
export function loadModule<T>(code: string): T {
  const module = { exports: {} as T };
  new Function('module', 'exports', 'require', code)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}
