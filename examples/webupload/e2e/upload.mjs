// Drives the webupload page in Debian's headless Chromium (playwright-core
// only, no downloaded browsers) and reports what the page showed.
//
//   node upload.mjs <appURL> <spec.json> <result.json>
//
// spec.json (written by browser_test.go):
//   { "viewport": {"width": 390, "height": 844},
//     "screenshot": "/path/to.png" | "",
//     "steps": [ { "naming": "random"|"local", "skipChecks": bool,
//                  "files": [ {"name", "mimeType", "base64"} | {"path"} ],
//                  "before": url, "waitParts": n, "ready": url, "then": action, "hook": url } ] }
//   Large files: after clicking Upload, "waitParts" waits until the step's
//   (one) file has n parts stored, then "then" acts: "reload" (reload the
//   page, read the interrupted item, choose the same files again, read
//   the note that says Upload resumes them, and upload), "pause" (click Pause, wait until paused, click Resume),
//   "cancel" (click Cancel) or "screenshot" (take the screenshot now).
//   "before", "ready" and "hook" are URLs of the Go test, fetched (GET)
//   before the step, before the action (once waitParts parts are stored; the
//   test answers when the parts it expects in flight have reached it) and
//   after the action (after a reload: before choosing the files again; with
//   pause: before clicking Resume) to open gates or move clocks.
// result.json:
//   { "steps": [ { "items": [ {"name", "state", "status", "answer", "code", "message", "text", "mode",
//                               "partsDone", "resend", "bar", "barHidden"} ],
//                  "paused": item, "interrupted": [item], "resumeNote": text } ],
//     "consoleErrors": [...], "pageErrors": [...], "requests": [ {"method", "url"} ],
//     "responses": [ {"method", "url", "status"} ],
//     "horizontalOverflow": bool, "dialogs": [...], "injected": bool,
//     "skipLabel": text, "queueNote": text of the note above the list ("" while hidden) }
// resend is the page's list of parts cut off in flight by a pause
// ("3,4,5"); bar is the progress bar's value.
// injected reports markup from a file name or an answer that became live
// elements or ran script (an img/script/iframe in the queue, or
// window.__xss set by an onerror handler); dialogs are alert() and the like.
// consoleErrors include the browser's own "Failed to load resource" lines for
// OSS's expected 4xx answers; pageErrors are uncaught exceptions in the page.
//
// No sleeps: every wait is for a selector or a page condition.
import { readFile, writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const [appURL, specPath, resultPath] = process.argv.slice(2);
if (!appURL || !specPath || !resultPath) {
  console.error('usage: node upload.mjs <appURL> <spec.json> <result.json>');
  process.exit(2);
}
const spec = JSON.parse(await readFile(specPath, 'utf8'));
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const result = { steps: [], consoleErrors: [], pageErrors: [], requests: [], responses: [], dialogs: [] };

async function hook(url) {
  if (!url) return;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`hook ${url}: HTTP ${res.status}`);
}

function readItem(li) {
  const res = li.querySelector('.result');
  return {
    name: li.dataset.name,
    state: li.dataset.state,
    status: li.querySelector('.status').textContent,
    answer: res.dataset.answer ? JSON.parse(res.dataset.answer) : null,
    code: res.dataset.code || '',
    message: res.dataset.message || '',
    text: res.textContent,
    mode: li.dataset.mode || '',
    partsDone: Number(li.dataset.partsDone || 0),
    resend: li.dataset.resend || '',
    bar: li.querySelector('progress').value,
    barHidden: li.querySelector('progress').hidden,
  };
}

// readItems reads the items of a list of li locators.
async function readItems(lis) {
  const items = [];
  for (const li of lis) items.push(await li.evaluate(readItem));
  return items;
}

function inputFiles(files) {
  return files.map((f) => (f.path ? f.path : {
    name: f.name,
    mimeType: f.mimeType,
    buffer: Buffer.from(f.base64, 'base64'),
  }));
}
try {
  const context = await browser.newContext({ viewport: spec.viewport || { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (msg) => {
    if (msg.type() === 'error') result.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => result.pageErrors.push(String(err)));
  page.on('request', (req) => result.requests.push({ method: req.method(), url: req.url() }));
  page.on('response', (res) => result.responses.push({ method: res.request().method(), url: res.url(), status: res.status() }));
  page.on('dialog', (d) => { result.dialogs.push(d.message()); d.dismiss(); });

  await page.goto(appURL);
  await page.waitForSelector('body[data-ready="true"]');

  for (const step of spec.steps) {
    await hook(step.before);
    const before = await page.locator('#queue li.file').count();
    await page.check(`input[name="naming"][value="${step.naming || 'random'}"]`);
    await page.setChecked('#skip-checks', Boolean(step.skipChecks));
    await page.setInputFiles('#files', inputFiles(step.files));
    await page.click('#upload');
    const stepResult = {};

    if (step.waitParts) {
      // The newest item is this step's file.
      await page.waitForFunction((n) => {
        const li = document.querySelector('#queue li.file');
        return li && Number(li.dataset.partsDone || 0) >= n;
      }, step.waitParts);
      const first = page.locator('#queue li.file').first();
      await hook(step.ready);
      switch (step.then) {
        case 'reload':
          await page.reload();
          await page.waitForSelector('body[data-ready="true"]');
          // The page lists the interrupted upload and asks OSS (ListParts)
          // how many parts it holds. data-parts-done is there from the
          // start ("0"): the status names the stored parts once OSS has
          // answered.
          await page.waitForFunction(() => {
            const li = document.querySelector('#queue li.file[data-saved][data-state="interrupted"]');
            return li && li.querySelector('.status').textContent.includes(' parts stored');
          });
          stepResult.interrupted = await readItems(await page.locator('#queue li.file[data-saved]').all());
          await hook(step.hook);
          await page.setInputFiles('#files', inputFiles(step.files));
          await page.waitForSelector('#resume-note:not([hidden])');
          stepResult.resumeNote = await page.locator('#resume-note').innerText();
          await page.click('#upload');
          break;
        case 'pause':
          await first.locator('button[data-action="pause"]').click();
          await page.waitForSelector('#queue li.file:first-child[data-state="paused"] button[data-action="resume"]');
          stepResult.paused = await first.evaluate(readItem);
          await hook(step.hook);
          await first.locator('button[data-action="resume"]').click();
          break;
        case 'cancel':
          await first.locator('button[data-action="cancel"]').click();
          await page.waitForSelector('#queue li.file:first-child[data-state="canceled"]');
          await hook(step.hook);
          break;
        case 'screenshot':
          if (spec.screenshot) await page.screenshot({ path: spec.screenshot, fullPage: true });
          await hook(step.hook);
          break;
        default:
          throw new Error(`unknown action ${step.then}`);
      }
    }

    const want = before + step.files.length;
    await page.waitForFunction((n) => {
      const items = document.querySelectorAll('#queue li.file:not([data-saved])');
      if (items.length < n) return false;
      return Array.from(items).every((li) => !['pending', 'uploading', 'paused'].includes(li.dataset.state));
    }, step.then === 'reload' ? step.files.length : want, { timeout: TIMEOUT });
    await page.waitForSelector('#upload:not([disabled])');

    // New items are prepended: the first step.files.length items are this step's.
    const lis = await page.locator('#queue li.file').all();
    stepResult.items = await readItems(lis.slice(0, step.files.length).reverse());
    result.steps.push(stepResult);
  }

  // Nothing may stick out sideways, even on a phone-width viewport.
  result.horizontalOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  result.skipLabel = await page.locator('label.check').innerText();
  result.queueNote = await page.evaluate(() => {
    const note = document.getElementById('queue-note');
    return note.hidden ? '' : note.textContent.replace(/\s+/g, ' ').trim();
  });
  result.injected = await page.evaluate(() => window.__xss !== undefined ||
    document.querySelectorAll('#queue img, #queue script, #queue iframe, #queue svg').length > 0);

  if (spec.screenshot && !spec.steps.some((st) => st.then === 'screenshot')) {
    await page.screenshot({ path: spec.screenshot, fullPage: true });
  }
  await context.close();
} finally {
  await browser.close();
}
await writeFile(resultPath, JSON.stringify(result, null, 2));
