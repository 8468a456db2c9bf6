// Drives the webupload page in Debian's headless Chromium (playwright-core
// only, no downloaded browsers) and reports what the page showed.
//
//   node upload.mjs <appURL> <spec.json> <result.json>
//
// spec.json (written by browser_test.go):
//   { "viewport": {"width": 390, "height": 844},
//     "screenshot": "/path/to.png" | "",
//     "steps": [ { "naming": "random"|"local", "skipChecks": bool,
//                  "files": [ {"name", "mimeType", "base64"} ] } ] }
// result.json:
//   { "steps": [ { "items": [ {"name", "state", "status", "answer", "code", "message"} ] } ],
//     "consoleErrors": [...], "pageErrors": [...], "requests": [ {"method", "url"} ],
//     "horizontalOverflow": bool, "dialogs": [...], "injected": bool }
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

const result = { steps: [], consoleErrors: [], pageErrors: [], requests: [], dialogs: [] };
try {
  const context = await browser.newContext({ viewport: spec.viewport || { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (msg) => {
    if (msg.type() === 'error') result.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => result.pageErrors.push(String(err)));
  page.on('request', (req) => result.requests.push({ method: req.method(), url: req.url() }));
  page.on('dialog', (d) => { result.dialogs.push(d.message()); d.dismiss(); });

  await page.goto(appURL);
  await page.waitForSelector('body[data-ready="true"]');

  for (const step of spec.steps) {
    const before = await page.locator('#queue li.file').count();
    await page.check(`input[name="naming"][value="${step.naming || 'random'}"]`);
    await page.setChecked('#skip-checks', Boolean(step.skipChecks));
    await page.setInputFiles('#files', step.files.map((f) => ({
      name: f.name,
      mimeType: f.mimeType,
      buffer: Buffer.from(f.base64, 'base64'),
    })));
    await page.click('#upload');

    const want = before + step.files.length;
    await page.waitForFunction((n) => {
      const items = document.querySelectorAll('#queue li.file');
      if (items.length < n) return false;
      return Array.from(items).every((li) => !['pending', 'uploading'].includes(li.dataset.state));
    }, want, { timeout: TIMEOUT });
    await page.waitForSelector('#upload:not([disabled])');

    // New items are prepended: the first step.files.length items are this step's.
    const items = await page.$$eval('#queue li.file', (lis, n) => lis.slice(0, n).reverse().map((li) => {
      const res = li.querySelector('.result');
      return {
        name: li.dataset.name,
        state: li.dataset.state,
        status: li.querySelector('.status').textContent,
        answer: res.dataset.answer ? JSON.parse(res.dataset.answer) : null,
        code: res.dataset.code || '',
        message: res.dataset.message || '',
        text: res.textContent,
      };
    }), step.files.length);
    result.steps.push({ items });
  }

  // Nothing may stick out sideways, even on a phone-width viewport.
  result.horizontalOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  result.injected = await page.evaluate(() => window.__xss !== undefined ||
    document.querySelectorAll('#queue img, #queue script, #queue iframe, #queue svg').length > 0);

  if (spec.screenshot) {
    await page.screenshot({ path: spec.screenshot, fullPage: true });
  }
  await context.close();
} finally {
  await browser.close();
}
await writeFile(resultPath, JSON.stringify(result, null, 2));
