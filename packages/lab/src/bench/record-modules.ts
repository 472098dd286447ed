/**
 * Preload (`node --import <this file> …`) that writes the URL of every module the process loads to
 * $RECORD_MODULES, one a line: ES modules from a load hook, CommonJS ones from require's cache at exit.
 * What a command loads says more about its start-up than a timing on a busy machine.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const out = process.env['RECORD_MODULES'];
if (out) {
  const hook = `
    import { appendFileSync } from 'node:fs';
    export async function load(url, context, next) {
      appendFileSync(${JSON.stringify(out)}, url + '\\n');
      return next(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
    if (urls.length > 0) appendFileSync(out, `${urls.join('\n')}\n`);
  });
}
