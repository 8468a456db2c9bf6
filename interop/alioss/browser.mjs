// Opens the test's page (page.html, served with ali-oss's browser build)
// in Debian's Chromium through playwright-core, runs its upload and prints
// the result as JSON.
//
// usage: node browser.mjs PAGE_URL CONFIG_JSON
import { chromium } from 'playwright-core';

const [pageURL, config] = process.argv.slice(2);
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
const errors = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.method() + ' ' + r.url() + ' ' + (r.failure() || {}).errorText));
  await page.goto(pageURL);
  const result = await page.evaluate((cfg) => window.runUpload(cfg), JSON.parse(config));
  result.browserErrors = errors;
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await browser.close();
}
