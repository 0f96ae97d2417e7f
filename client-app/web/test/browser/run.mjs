// Runs one browser test file (node --test FILE) and, only when it failed because Firefox's page
// stopped answering, once more. Firefox ESR 153 headless on these machines freezes a page now
// and then shortly after its audio starts: the content process's main thread waits on a lock
// for good while Firefox's audio graph thread waits on another (gdb; seen in 1 of 3 to 1 of 2
// runs on a bad day, never in Chromium). Puppeteer then reports a WebDriver BiDi command timing
// out, or our harness a page it could not read. Any other failure fails at once, and a second
// freeze fails too.
import { spawnSync } from 'node:child_process';

const file = process.argv[2];
const FIREFOX_FROZE = /(script\.callFunction|input\.performActions|browsingContext\.\w+) timed out|\bunreadable\b/;

function runOnce() {
  const run = spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  return { code: run.status ?? 1, output: run.stdout + run.stderr };
}

let run = runOnce();
if (run.code !== 0 && FIREFOX_FROZE.test(run.output)) {
  console.log('run.mjs: Firefox\'s page stopped answering (a Firefox freeze, above); running the test once more');
  run = runOnce();
}
process.exit(run.code);
