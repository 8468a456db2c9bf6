// Browser test of examples/uppy, run by browser_test.go: drives the page in
// Debian's Chromium through playwright-core, clicking Uppy's own Dashboard.
//
//   node e2e.mjs spec.json result.json
//
// spec: { "url", "chromium", "viewport": {width, height}, "steps": [step] }
// step: { "do": "add", "files": [path] }     choose files in the Dashboard
//       { "do": "upload" }                   press Upload (also after a reload)
//       { "do": "hook", "url" }              GET a URL of the Go test, which
//                                            answers once the state it waits for holds
//       { "do": "reload" }                   reload; wait for Uppy's restored file
//       { "do": "pause" } / { "do": "resume" }  the status bar's pause/resume button
//       { "do": "cancel" }                   the status bar's cancel button; waits for
//                                            the handler's answer to the abort
//       { "do": "wait", "answers": n }       wait for n entries in the page's answer list,
//                                            and record them
//       { "do": "screenshot", "path", "waitFor" }  after waitFor (a selector) shows
// result: { "answers": [[{name, state, text}]], "requests": [{method, url, status}],
//           "consoleErrors": [], "pageErrors": [] }
import { readFileSync, writeFileSync } from 'node:fs'
import { chromium } from 'playwright-core'

const [specPath, resultPath] = process.argv.slice(2)
const spec = JSON.parse(readFileSync(specPath, 'utf8'))
const TIMEOUT = 60_000

const browser = await chromium.launch({
  executablePath: spec.chromium,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
})
const result = { answers: [], requests: [], consoleErrors: [], pageErrors: [] }
try {
  const context = await browser.newContext({ viewport: spec.viewport })
  context.setDefaultTimeout(TIMEOUT)
  const page = await context.newPage()
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()) })
  page.on('pageerror', (e) => result.pageErrors.push(String(e)))
  page.on('requestfinished', async (req) => {
    const resp = await req.response()
    result.requests.push({ method: req.method(), url: req.url(), status: resp ? resp.status() : 0 })
  })
  page.on('requestfailed', (req) => result.requests.push({ method: req.method(), url: req.url(), status: 0 }))
  await page.goto(spec.url)
  await page.locator('.uppy-Dashboard').waitFor()

  const statusButton = page.locator('[data-cy=togglePauseResume]')
  const uploadButton = page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first()
  for (const step of spec.steps) {
    switch (step.do) {
      case 'add': {
        // After an upload the Dashboard lists files; "Add more" brings
        // back its file inputs.
        const input = page.locator('input.uppy-Dashboard-input').first()
        if (await input.count() === 0) await page.locator('.uppy-DashboardContent-addMore').click()
        await input.setInputFiles(step.files)
        await uploadButton.waitFor()
        break
      }
      case 'upload':
        await uploadButton.click()
        break
      case 'hook': {
        const res = await fetch(step.url)
        if (!res.ok) throw new Error(`hook ${step.url}: HTTP ${res.status} ${await res.text()}`)
        break
      }
      case 'reload':
        // GoldenRetriever saves its state to IndexedDB at most every 500 ms;
        // reloading before the save that names the multipart upload would
        // restore the file without its upload, and Uppy would start over.
        // (waitForFunction does not await a predicate's promise, so poll.)
        for (const deadline = Date.now() + TIMEOUT; !(await page.evaluate(savedUploadId));) {
          if (Date.now() > deadline) throw new Error('GoldenRetriever never saved the multipart upload id')
          await page.waitForTimeout(100)
        }
        await page.reload()
        // GoldenRetriever has put the file back when the Dashboard lists it
        // with its Upload button.
        await page.locator('.uppy-Dashboard-Item').first().waitFor()
        await uploadButton.waitFor()
        break
      case 'pause':
        await statusButton.click()
        await page.locator('[data-cy=togglePauseResume][title=Resume]').waitFor()
        break
      case 'resume':
        await statusButton.click()
        break
      case 'cancel': {
        const aborted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes('/uppy/s3/multipart/'))
        await page.locator('[data-cy=cancel]').click()
        const r = await aborted
        if (!r.ok()) throw new Error(`abort answered ${r.status()}: ${await r.text()}`)
        break
      }
      case 'wait':
        await page.waitForFunction((n) => document.querySelectorAll('#answers li').length >= n, step.answers, { timeout: TIMEOUT })
        result.answers.push(await page.$$eval('#answers li', (lis) => lis.map((li) => ({
          name: li.dataset.name, state: li.dataset.state, text: li.querySelector('pre').textContent,
        }))))
        break
      case 'screenshot':
        if (step.waitFor) await page.locator(step.waitFor).waitFor()
        await page.screenshot({ path: step.path, fullPage: true })
        break
      default:
        throw new Error(`unknown step ${step.do}`)
    }
  }
} finally {
  writeFileSync(resultPath, JSON.stringify(result))
  await browser.close()
}

// savedUploadId tells whether GoldenRetriever's saved state (IndexedDB
// "uppy-blobs", store "metadata") names the multipart upload id of a file
// whose upload is not complete.
async function savedUploadId () {
  if (!(await indexedDB.databases()).some((d) => d.name === 'uppy-blobs')) return false
  return new Promise((resolve) => {
    const open = indexedDB.open('uppy-blobs')
    open.onerror = () => resolve(false)
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('metadata')) {
        db.close()
        resolve(false)
        return
      }
      const all = db.transaction(['metadata']).objectStore('metadata').getAll()
      all.onsuccess = () => {
        db.close()
        resolve(all.result.some((r) => {
          let files
          try {
            files = JSON.parse(r.metadata).files || {}
          } catch {
            return false
          }
          return Object.values(files).some((f) => f.s3Multipart?.uploadId && !f.progress?.uploadComplete)
        }))
      }
      all.onerror = () => {
        db.close()
        resolve(false)
      }
    }
  })
}
