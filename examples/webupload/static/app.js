// The upload page of examples/webupload. Small files: fetch a signed token
// from the app and POST each file straight to OSS. Large files (above the
// app's multipart threshold): ask the app for a plan and presigned requests,
// then initiate, PUT the parts in parallel, and complete the multipart upload
// at OSS, resumable after a reload. Either way OSS's answer is shown per file:
// the app's callback answer relayed by OSS, or OSS's XML error. No libraries,
// no build step.

const $ = (id) => document.getElementById(id);

let config = null; // GET /api/config: who we are and the policy's limits
let token = null; // GET /oss/token: the signed form, cached until it nearly expires
let tokenRequest = null;

// Re-fetch the token when it expires within 3 s (docs/PROTOCOL.md#policy-document): the
// policy's expiry is checked by OSS when the upload arrives, not when it starts.
const TOKEN_MARGIN_SECONDS = 3;

// An error body may be a proxy's whole HTML page: show only its start.
const MAX_ERROR_TEXT = 300;

function clip(text) {
  const t = text.trim();
  return t.length > MAX_ERROR_TEXT ? `${t.slice(0, MAX_ERROR_TEXT)}…` : t;
}

async function getJSON(url) {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    throw new Error(`${url}: HTTP ${res.status} ${clip(await res.text())}`);
  }
  return res.json();
}

async function getToken() {
  const now = Date.now() / 1000;
  if (token && token.expire - now > TOKEN_MARGIN_SECONDS) {
    return token;
  }
  // Several files start at once: share one request for a fresh token.
  if (!tokenRequest) {
    tokenRequest = getJSON('oss/token')
      .then((t) => { token = t; return t; })
      .finally(() => { tokenRequest = null; });
  }
  return tokenRequest;
}

function formatSize(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n;
  let u = -1;
  do { v /= 1024; u++; } while (v >= 1024 && u < units.length - 1);
  // Whole units bare ("64 MiB", as the app writes limits), others rounded.
  return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function bytes(n) {
  return `${n.toLocaleString('en-US')} bytes`;
}

function extension(name) {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return '';
  const ext = name.slice(dot).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

function randomName() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// The same checks the signed policy makes OSS enforce (content-length-range
// and the content-type list), done early so the user does not wait for an
// upload that OSS will refuse. They are a convenience, not a defence.
function clientCheck(file) {
  if (file.size > config.maxSize) {
    return `too large: ${formatSize(file.size)} (${bytes(file.size)}), the limit is ${formatSize(config.maxSize)}`;
  }
  if (file.size < config.minSize) {
    return `too small: ${bytes(file.size)}, the minimum is ${bytes(config.minSize)}`;
  }
  if (config.contentTypes.length > 0 && !config.contentTypes.includes(file.type)) {
    return `type ${file.type || '(unknown)'} is not allowed`;
  }
  return '';
}

function contentTypeOf(file) {
  return file.type || 'application/octet-stream';
}

// Build the PostObject form: every signed field first, then key, then file
// LAST — OSS ignores or refuses fields after the file (docs/PROTOCOL.md#form-upload).
function buildForm(tok, file, naming) {
  const form = new FormData();
  const fields = tok.fields || {};
  for (const [name, value] of Object.entries(fields)) {
    if (name.toLowerCase() !== 'key') form.append(name, value);
  }
  if (Array.isArray(tok.content_types) && tok.content_types.length > 0 &&
      !Object.keys(fields).some((k) => k.toLowerCase() === 'x-oss-content-type')) {
    // The policy allows several types with ["in", "$x-oss-content-type", ...]:
    // the browser names its choice, OSS fails the condition if the field is
    // missing (docs/PROTOCOL.md#policy-conditions) and stores the object with that type (#form-fields).
    form.append('x-oss-content-type', contentTypeOf(file));
  }
  let key;
  if (tok.key) {
    key = tok.key; // the server pinned one exact key
  } else if (naming === 'local') {
    key = tok.dir + '${filename}'; // OSS substitutes the file part's name (docs/PROTOCOL.md#object-key)
  } else {
    key = tok.dir + randomName() + extension(file.name);
  }
  form.append('key', key);
  form.append('file', file, file.name);
  return form;
}

function parseXML(text) {
  return new DOMParser().parseFromString(text || '', 'application/xml');
}

// xmlText is the text of the first <tag> element under parent, or ''.
function xmlText(parent, tag) {
  const el = parent.getElementsByTagName(tag)[0];
  return el ? el.textContent : '';
}

// OSS answers errors as XML <Error><Code/><Message/>…</Error> (docs/PROTOCOL.md#error-xml).
function parseOSSError(xhr) {
  const text = xhr.responseText || '';
  const doc = parseXML(text);
  const code = xmlText(doc, 'Code');
  const message = xmlText(doc, 'Message');
  if (!code && !message) {
    return { code: `HTTP ${xhr.status}`, message: clip(text) || xhr.statusText || 'no response body' };
  }
  return { code, message, requestId: xmlText(doc, 'RequestId') };
}

// ossRequest makes one request to OSS, presigned ({method, url, headers})
// or a PostObject ({method: 'POST', url: host}), with exactly the headers
// it was signed with, and resolves with the XHR whatever the outcome.
// Multipart bodies are Blobs without a type, so the browser adds no
// Content-Type of its own: V4 signs the one OSS sees
// (docs/PROTOCOL.md#presigned-urls). onProgress gets the upload's
// progress events; track gets the XHR, to abort it.
function ossRequest(p, body, onProgress, track) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(p.method, p.url);
    for (const [name, value] of Object.entries(p.headers || {})) {
      xhr.setRequestHeader(name, value);
    }
    if (onProgress) {
      xhr.upload.addEventListener('progress', onProgress);
    }
    xhr.addEventListener('loadend', () => resolve(xhr));
    if (track) track(xhr);
    xhr.send(body === undefined ? null : body);
  });
}

// showUploaded shows OSS's 200 answer to the upload that stored the file:
// the app's callback answer, relayed by OSS, as JSON.
function showUploaded(item, xhr, how) {
  item.bar.value = 100;
  let answer = null;
  try { answer = JSON.parse(xhr.responseText); } catch { /* XML: no callback */ }
  if (answer && typeof answer === 'object') {
    setState(item, 'done', `${how}; the app recorded:`);
    showAnswer(item, answer);
  } else {
    setState(item, 'done', `${how} (no callback answer)`);
  }
}

function addItem(file) {
  const li = document.createElement('li');
  li.className = 'file';
  li.dataset.name = file.name;
  li.dataset.state = 'pending';

  const head = document.createElement('div');
  head.className = 'file-head';
  const name = document.createElement('span');
  name.className = 'file-name';
  name.textContent = file.name;
  const size = document.createElement('span');
  size.className = 'file-size';
  size.textContent = `${formatSize(file.size)} · ${file.type || 'unknown type'}`;
  head.append(name, size);

  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = 0;

  const status = document.createElement('div');
  status.className = 'status';
  status.textContent = 'waiting…';

  const result = document.createElement('div');
  result.className = 'result';

  const controls = document.createElement('div');
  controls.className = 'controls';
  controls.hidden = true;

  li.append(head, bar, status, controls, result);
  $('queue').prepend(li);
  $('queue-note').hidden = false;
  return { li, bar, status, result, controls };
}

// setControls shows the item's buttons: [label, action, onClick].
function setControls(item, buttons) {
  item.controls.replaceChildren(...buttons.map(([label, action, onClick]) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = action;
    b.addEventListener('click', () => {
      for (const other of item.controls.querySelectorAll('button')) other.disabled = true;
      onClick();
    });
    return b;
  }));
  item.controls.hidden = buttons.length === 0;
}

function setState(item, state, text) {
  item.li.dataset.state = state;
  item.status.textContent = text;
}

function showAnswer(item, answer) {
  const dl = document.createElement('dl');
  for (const [k, v] of Object.entries(answer)) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = typeof v === 'string' ? v : JSON.stringify(v);
    dd.dataset.field = k;
    dl.append(dt, dd);
  }
  const note = document.createElement('p');
  note.className = 'note';
  note.textContent = 'The app made this answer when OSS called it back, and OSS passed it on to this page.';
  if (Number.isInteger(answer.uploads)) {
    note.textContent += ` uploads ${answer.uploads}: the app has recorded ${answer.uploads} upload${answer.uploads === 1 ? '' : 's'} for you so far, this one included.`;
  }
  item.result.replaceChildren(dl, note);
  item.result.dataset.answer = JSON.stringify(answer);
}

// The status line of a refused or failed item: "not sent" when the page or
// the app refused the file before any of it left the browser.
const ERROR_STATUS = {
  rejected: 'not sent',
  stored: 'stored, but the app did not accept it',
  error: 'failed',
};

function showError(item, state, lead, err) {
  const p = document.createElement('p');
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = err.code;
  p.append(`${lead}: `, code, ` — ${err.message}`);
  item.result.replaceChildren(p);
  item.result.dataset.code = err.code;
  item.result.dataset.message = err.message;
  setState(item, state, ERROR_STATUS[state]);
  if (state === 'rejected') item.bar.hidden = true;
  setControls(item, []);
}

async function uploadOne(file, naming, skipChecks) {
  const saved = findSaved(file);
  if (saved) {
    return resumeSaved(saved, file);
  }
  const item = addItem(file);
  if (!skipChecks) {
    const problem = clientCheck(file);
    if (problem) {
      showError(item, 'rejected', 'This page refused it', { code: 'client-side check', message: problem });
      return;
    }
  }
  if (file.size > config.multipartThreshold) {
    return new MultipartUpload(file, item, null).start(naming);
  }
  item.li.dataset.mode = 'post';
  let tok;
  try {
    tok = await getToken();
  } catch (e) {
    showError(item, 'error', 'No upload token', { code: 'app', message: e.message });
    return;
  }
  setState(item, 'uploading', 'uploading…');
  const xhr = await ossRequest({ method: 'POST', url: tok.host }, buildForm(tok, file, naming), (e) => {
    if (e.lengthComputable) {
      item.bar.value = Math.round((e.loaded / e.total) * 100);
      item.status.textContent = `uploading… ${item.bar.value}%`;
    }
  });

  if (xhr.status === 0) {
    // The browser hides the reason; with OSS it is almost always the bucket's
    // CORS rule (docs/PROTOCOL.md#cors) or an unreachable host.
    showError(item, 'error', 'Upload failed', {
      code: 'network',
      message: `no answer from ${tok.host} (unreachable, or the bucket's CORS rule does not allow this page's origin)`,
    });
    return;
  }
  if (xhr.status === 200) {
    showUploaded(item, xhr, 'uploaded');
    return;
  }
  if (xhr.status === 203) {
    // 203 CallbackFailed: the object IS stored, only the app's answer is missing (docs/PROTOCOL.md#callback-outcome).
    showError(item, 'stored', 'Stored, but the callback failed', parseOSSError(xhr));
    return;
  }
  if (xhr.status >= 200 && xhr.status < 300) {
    item.bar.value = 100;
    setState(item, 'done', `uploaded (HTTP ${xhr.status})`);
    return;
  }
  showError(item, 'error', 'OSS refused the upload', parseOSSError(xhr));
}

// ---------------------------------------------------------------------------
// Large files: presigned multipart upload through the app's
// signer.MultipartHandler endpoints (oss/multipart/{plan,parts,complete,
// abort,list}). The app answers each step with a presigned request; the
// page makes it to OSS itself, so the bytes never pass through the app and
// the browser holds no credentials.

// Parts in flight at once, and part URLs asked for per "parts" request.
const PART_CONCURRENCY = 4;
const PART_BATCH = 4;
// A part URL is fetched anew when it expires within this margin (or a
// quarter of its life, if shorter): OSS checks the expiry when a request
// arrives (docs/PROTOCOL.md#presigned-urls).
const URL_MARGIN_MS = 30_000;
// A part whose connection drops is retried this many times, after
// 1 s, 2 s, 4 s; then the upload pauses until the browser is back online.
const PART_RETRIES = 3;
// localStorage entries of unfinished multipart uploads.
const SAVED_PREFIX = 'ossdirect.multipart.';

// The file identity an interrupted upload is matched on when the user
// selects the file again after a reload: what the File API offers without
// reading the file.
function identity(file) {
  return SAVED_PREFIX + JSON.stringify([file.name, file.size, file.lastModified]);
}

// readSaved is the upload saved under key, or null.
function readSaved(key) {
  try {
    const s = JSON.parse(localStorage.getItem(key));
    if (s && s.ticket && s.uploadId && s.id === key) return s;
  } catch {
    // Not ours, or damaged: leave it.
  }
  return null;
}

function allSaved() {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    const s = k && k.startsWith(SAVED_PREFIX) ? readSaved(k) : null;
    if (s) out.push(s);
  }
  return out;
}

function findSaved(file) {
  const s = readSaved(identity(file));
  return s && !expired(s) ? s : null;
}

// A ticket is accepted until its expiry; after that only OSS's lifecycle
// rules remove the parts.
function expired(s) {
  return Date.parse(s.expires) <= Date.now();
}

async function postJSON(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try { msg = JSON.parse(text).error || text; } catch { /* not JSON */ }
    const err = new Error(clip(msg));
    err.status = res.status;
    throw err;
  }
  return { body: JSON.parse(text), date: Date.parse(res.headers.get('Date') || '') || Date.now() };
}

class OSSError extends Error {
  constructor(xhr, what) {
    const e = xhr.status === 0
      ? { code: 'network', message: `no answer from OSS for ${what} (connection lost, or the bucket's CORS rule does not allow this page's origin for it)` }
      : parseOSSError(xhr);
    super(e.message);
    this.code = e.code;
    this.status = xhr.status;
  }
}

// MultipartUpload is one large file on its way: the plan and upload id
// (saved in localStorage under the file's identity), the parts OSS holds,
// and the parts in flight.
class MultipartUpload {
  constructor(file, item, saved) {
    this.file = file;
    this.item = item;
    this.s = saved; // {id, ticket, uploadId, key, size, partSize, partCount, expires, name, type}
    this.etags = new Map(); // part number -> ETag of a part OSS holds
    this.urls = new Map(); // part number -> {part, validUntil}
    this.inflight = new Map(); // part number -> {xhr, loaded}
    // Parts sent since the last (re)start that OSS has not stored: cut
    // off by a pause or a lost connection, they are sent again in full.
    this.unfinished = new Set();
    this.queue = [];
    this.batch = null;
    this.stopped = false; // pause or cancel: workers stop taking parts
    this.canceled = false;
    this.running = null;
    item.li.dataset.mode = 'multipart';
    item.li.dataset.partsDone = '0';
  }

  save() {
    localStorage.setItem(this.s.id, JSON.stringify(this.s));
  }

  forget() {
    if (this.s) localStorage.removeItem(this.s.id);
  }

  // start plans and initiates a new upload, or (with a saved one) asks OSS
  // which parts it holds; then sends the rest and completes.
  async start(naming) {
    try {
      if (this.s) {
        setState(this.item, 'uploading', 'asking OSS which parts it already holds…');
        await this.listParts();
      } else {
        setState(this.item, 'uploading', 'planning the multipart upload…');
        await this.initiate(naming);
      }
    } catch (e) {
      return this.fail(e);
    }
    return this.resume();
  }

  async initiate(naming) {
    const f = this.file;
    const plan = await postJSON(`oss/multipart/plan?naming=${encodeURIComponent(naming)}`,
      { name: f.name, size: f.size, type: f.type });
    const p = plan.body;
    const xhr = await ossRequest(p.initiate);
    if (xhr.status !== 200) throw new OSSError(xhr, 'InitiateMultipartUpload');
    const doc = parseXML(xhr.responseText);
    const uploadId = xmlText(doc, 'UploadId');
    if (!uploadId) throw new Error('OSS answered InitiateMultipartUpload without an UploadId');
    this.s = {
      id: identity(f), ticket: p.ticket, uploadId, key: p.key, size: p.size, partSize: p.part_size,
      partCount: p.part_count, expires: p.expires, name: f.name, type: f.type,
    };
    this.save();
  }

  // listParts asks OSS (ListParts) which parts it holds. Parts of the
  // wrong size (a cut-off upload cannot leave one: OSS stores a part only
  // when its body is complete) are sent again. One page of up to 1000
  // parts is read; parts after it are simply sent again, which OSS allows
  // (a part number uploaded twice keeps the last).
  async listParts() {
    const req = await postJSON('oss/multipart/list', { ticket: this.s.ticket, upload_id: this.s.uploadId });
    const xhr = await ossRequest(req.body.request);
    if (xhr.status !== 200) throw new OSSError(xhr, 'ListParts');
    const doc = parseXML(xhr.responseText);
    for (const part of Array.from(doc.getElementsByTagName('Part'))) {
      const n = Number(xmlText(part, 'PartNumber'));
      const size = Number(xmlText(part, 'Size'));
      const etag = xmlText(part, 'ETag');
      if (n >= 1 && n <= this.s.partCount && size === this.partLength(n) && etag) {
        this.etags.set(n, etag);
      }
    }
    this.progress();
  }

  partLength(n) {
    return Math.min(this.s.partSize, this.s.size - (n - 1) * this.s.partSize);
  }

  progress() {
    let sent = 0;
    for (const n of this.etags.keys()) sent += this.partLength(n);
    for (const f of this.inflight.values()) sent += f.loaded;
    // Bytes of parts in flight count, but only OSS's answer makes a part
    // stored: 100 % is kept for when every part is.
    let pct = Math.floor((sent / this.s.size) * 100);
    if (this.etags.size < this.s.partCount) pct = Math.min(pct, 99);
    this.item.bar.value = pct;
    this.item.li.dataset.partsDone = String(this.etags.size);
    this.item.li.dataset.parts = String(this.s.partCount);
    this.item.li.dataset.bytes = String(sent);
    return pct;
  }

  showUploading() {
    const pct = this.progress();
    setState(this.item, 'uploading',
      `uploading… ${pct}% sent (${this.etags.size} of ${this.s.partCount} parts stored, ${formatSize(this.s.partSize)} each)`);
  }

  // resume sends the missing parts and completes, unless paused or
  // canceled on the way.
  async resume() {
    this.stopped = false;
    this.unfinished.clear();
    delete this.item.li.dataset.resend;
    setControls(this.item, [['Pause', 'pause', () => this.pause()], ['Cancel', 'cancel', () => this.cancel()]]);
    this.showUploading();
    this.queue = [];
    for (let n = 1; n <= this.s.partCount; n++) {
      if (!this.etags.has(n)) this.queue.push(n);
    }
    this.running = this.sendParts();
    let err = null;
    try {
      await this.running;
    } catch (e) {
      err = e;
    }
    this.running = null;
    if (this.canceled) return;
    if (err && err.code !== 'network') return this.fail(err);
    if (this.stopped || err) {
      this.paused(err ? 'connection lost' : 'paused');
      return;
    }
    try {
      await this.complete();
    } catch (e) {
      this.fail(e);
    }
  }

  async sendParts() {
    let failure = null;
    const worker = async () => {
      while (!this.stopped) {
        const n = this.queue.shift();
        if (n === undefined) return;
        try {
          await this.sendPart(n);
        } catch (e) {
          // One part failed for good: stop the others, report this one.
          if (!failure) failure = e;
          this.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, this.queue.length) }, worker));
    if (failure) throw failure;
  }

  stop() {
    this.stopped = true;
    for (const f of this.inflight.values()) f.xhr.abort();
  }

  async sendPart(n) {
    const start = (n - 1) * this.s.partSize;
    const body = this.file.slice(start, start + this.partLength(n));
    let refetched = false;
    for (let attempt = 0; ; attempt++) {
      const part = await this.partURL(n);
      if (this.stopped) break;
      const xhr = await this.putPart(n, part, body);
      const etag = xhr.status === 200 ? xhr.getResponseHeader('ETag') : null;
      if (this.stopped) {
        // Paused or canceled: an aborted part is sent again on resume;
        // one that made it anyway is listed by OSS on resume after a reload.
        if (etag) {
          this.etags.set(n, etag);
        } else {
          this.queue.unshift(n);
        }
        this.progress();
        return;
      }
      if (xhr.status === 200) {
        if (!etag) {
          // The bucket's CORS rule must expose ETag, or the page cannot
          // list the part in CompleteMultipartUpload (docs/PROTOCOL.md#cors).
          throw Object.assign(new Error('OSS stored a part but its ETag is hidden: the bucket\'s CORS rule must expose the ETag header'), { code: 'CORS' });
        }
        this.etags.set(n, etag);
        this.showUploading();
        return;
      }
      const err = new OSSError(xhr, `part ${n}`);
      if (xhr.status === 403 && err.code === 'AccessDenied' && !refetched) {
        // Most likely the URL expired (OSS: "Request has expired."), for
        // instance after a long pause: fetch fresh ones once.
        refetched = true;
        this.urls.clear();
        continue;
      }
      if (xhr.status === 0 && attempt < PART_RETRIES) {
        await new Promise((r) => { setTimeout(r, 1000 * 2 ** attempt); });
        if (this.stopped) break;
        continue;
      }
      throw err;
    }
    // Paused or canceled before the part was sent: it is sent again on
    // resume.
    this.queue.unshift(n);
  }

  // putPart sends part n (UploadPart) with the presigned request part,
  // counting its bytes in flight for the progress bar; stop aborts it.
  async putPart(n, part, body) {
    const flight = { xhr: null, loaded: 0 };
    this.inflight.set(n, flight);
    this.unfinished.add(n);
    const xhr = await ossRequest(part, body, (e) => {
      flight.loaded = e.loaded;
      if (!this.stopped) this.showUploading();
    }, (x) => { flight.xhr = x; });
    this.inflight.delete(n);
    if (xhr.status === 200 && xhr.getResponseHeader('ETag')) this.unfinished.delete(n);
    return xhr;
  }

  // partURL returns a presigned UploadPart request for part n, asking the
  // app for a batch (n and the next queued parts) when it has none that is
  // still valid. Validity is judged on the app's clock (the Date of its
  // answer), so a browser clock that is off does not matter.
  async partURL(n) {
    for (;;) {
      const u = this.urls.get(n);
      if (u && u.validUntil > Date.now()) return u.part;
      if (this.batch) {
        await this.batch;
        const again = this.urls.get(n);
        if (again && again.validUntil > Date.now()) return again.part;
      }
      const want = [n, ...this.queue.filter((m) => !this.urls.has(m) || this.urls.get(m).validUntil <= Date.now())]
        .slice(0, PART_BATCH);
      this.batch = postJSON('oss/multipart/parts', { ticket: this.s.ticket, upload_id: this.s.uploadId, parts: want })
        .then(({ body, date }) => {
          const fetched = Date.now();
          for (const part of body.parts) {
            const life = Date.parse(part.expires) - date;
            this.urls.set(part.part_number, { part, validUntil: fetched + life - Math.min(URL_MARGIN_MS, life / 4) });
          }
        })
        .finally(() => { this.batch = null; });
      await this.batch;
      const got = this.urls.get(n);
      if (got) return got.part;
    }
  }

  // complete lists the parts with their ETags in CompleteMultipartUpload;
  // OSS then calls the app back and relays its answer, exactly as for
  // PostObject (docs/PROTOCOL.md#callback-outcome).
  async complete() {
    setControls(this.item, []);
    setState(this.item, 'uploading', 'completing: OSS assembles the parts and calls the app…');
    const req = await postJSON('oss/multipart/complete', { ticket: this.s.ticket, upload_id: this.s.uploadId });
    const doc = document.implementation.createDocument(null, 'CompleteMultipartUpload', null);
    for (const n of Array.from(this.etags.keys()).sort((a, b) => a - b)) {
      const part = doc.createElement('Part');
      const num = doc.createElement('PartNumber');
      num.textContent = String(n);
      const etag = doc.createElement('ETag');
      etag.textContent = this.etags.get(n);
      part.append(num, etag);
      doc.documentElement.append(part);
    }
    const xml = new XMLSerializer().serializeToString(doc);
    const xhr = await ossRequest(req.body.request, new Blob([xml]));
    if (xhr.status === 200) {
      this.forget();
      showUploaded(this.item, xhr, 'uploaded in parts');
      return;
    }
    if (xhr.status === 203) {
      // Stored, but the app refused the callback (for instance the size
      // does not match its plan) or could not be reached.
      this.forget();
      this.item.bar.value = 100;
      showError(this.item, 'stored', 'Stored, but the app did not accept it', parseOSSError(xhr));
      return;
    }
    throw new OSSError(xhr, 'CompleteMultipartUpload');
  }

  pause() {
    if (this.running) this.stop();
  }

  // paused shows the progress of the stored parts only, and says which
  // parts were cut off on the way: OSS keeps no half part, so Resume sends
  // them again in full (and the parts not started yet).
  paused(why) {
    const pct = this.progress();
    const again = Array.from(this.unfinished).filter((n) => !this.etags.has(n)).sort((a, b) => a - b);
    this.item.li.dataset.resend = again.join(',');
    let text = `${why} at ${pct}% (${this.etags.size} of ${this.s.partCount} parts stored)`;
    if (again.length > 0) {
      text += ` — ${again.length === 1 ? `part ${again[0]} was` : `${again.length} parts (${again.join(', ')}) were`}` +
        ` in flight and will be sent again`;
    }
    setState(this.item, 'paused', text);
    setControls(this.item, [['Resume', 'resume', () => this.resume()], ['Cancel', 'cancel', () => this.cancel()]]);
    if (why === 'connection lost') {
      window.addEventListener('online', () => {
        if (this.item.li.dataset.state === 'paused') this.resume();
      }, { once: true });
    }
  }

  // cancel stops the parts in flight, then aborts the upload at OSS, which
  // discards the stored parts (docs/PROTOCOL.md#multipart-upload).
  async cancel() {
    this.canceled = true;
    this.stop();
    if (this.running) {
      try { await this.running; } catch { /* stopping */ }
    }
    setState(this.item, 'uploading', 'canceling…');
    try {
      const req = await postJSON('oss/multipart/abort', { ticket: this.s.ticket, upload_id: this.s.uploadId });
      const xhr = await ossRequest(req.body.request);
      if (xhr.status !== 204 && !(xhr.status === 404 && parseOSSError(xhr).code === 'NoSuchUpload')) {
        throw new OSSError(xhr, 'AbortMultipartUpload');
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    this.forget();
    setControls(this.item, []);
    setState(this.item, 'canceled', 'canceled; OSS discarded the parts');
  }

  fail(e) {
    if (e.code === 'NoSuchUpload') this.forget(); // aborted elsewhere, or completed
    const code = e.code || (e.status ? `app HTTP ${e.status}` : 'app');
    if (!this.s && e.status && !e.code && e.status < 500) {
      // The app refused the plan: nothing was sent to OSS.
      showError(this.item, 'rejected', 'The app refused it', { code, message: e.message });
      return;
    }
    showError(this.item, 'error', 'Multipart upload failed', { code, message: e.message });
    if (this.s && !this.canceled && e.code !== 'NoSuchUpload' && this.etags.size + this.queue.length > 0) {
      setControls(this.item, [['Retry', 'resume', () => this.resume()], ['Cancel', 'cancel', () => this.cancel()]]);
    }
  }
}

// The page cannot read a file the user has not chosen, even after a reload.
const RESUME_HINT = 'to resume, choose the same file again and press Upload; only the missing parts are sent';

// After a reload: one item per unfinished upload, with how far it got.
// Selecting the same file again resumes it; Discard aborts it at OSS.
async function showSaved() {
  for (const s of allSaved()) {
    const fake = { name: s.name, size: s.size, type: s.type };
    const item = addItem(fake);
    item.li.dataset.saved = s.id;
    if (expired(s)) {
      localStorage.removeItem(s.id);
      setState(item, 'error', 'interrupted, and too old to resume: choose the file again to start over');
      continue;
    }
    const up = new MultipartUpload(null, item, s);
    setState(item, 'interrupted', `interrupted: ${RESUME_HINT}`);
    setControls(item, [['Discard', 'cancel', () => up.cancel()]]);
    up.listParts().then(() => {
      if (item.li.dataset.state === 'interrupted') {
        setState(item, 'interrupted', `interrupted at ${up.progress()}% (${up.etags.size} of ${s.partCount} parts stored): ${RESUME_HINT}`);
      }
    }, (e) => {
      if (e.code === 'NoSuchUpload') {
        localStorage.removeItem(s.id);
        item.li.remove();
      }
    });
  }
}

function resumeSaved(saved, file) {
  const old = document.querySelector(`#queue li[data-saved="${CSS.escape(saved.id)}"]`);
  if (old) old.remove();
  const item = addItem(file);
  return new MultipartUpload(file, item, saved).start();
}

// onChoose says which chosen files continue an interrupted upload: choosing
// them is not enough, Upload starts them.
function onChoose() {
  const names = Array.from($('files').files).filter((f) => findSaved(f)).map((f) => f.name);
  $('resume-note').textContent = names.length === 0 ? ''
    : `${names.join(', ')}: interrupted before; press Upload to send only the missing parts.`;
  $('resume-note').hidden = names.length === 0;
}

async function onSubmit(event) {
  event.preventDefault();
  const input = $('files');
  const files = Array.from(input.files);
  if (files.length === 0) return;
  const naming = document.querySelector('input[name="naming"]:checked').value;
  const skipChecks = $('skip-checks').checked;
  $('upload').disabled = true;
  try {
    await Promise.all(files.map((f) => uploadOne(f, naming, skipChecks)));
  } finally {
    input.value = '';
    onChoose();
    $('upload').disabled = false;
  }
}

async function init() {
  try {
    config = await getJSON('api/config');
  } catch (e) {
    $('who').textContent = `Could not load the upload settings: ${e.message}`;
    return;
  }
  $('who').replaceChildren('You are user ', Object.assign(document.createElement('code'), { textContent: config.uid }),
    config.mode === 'emulator' ? ' on the embedded OSS emulator.' : ` on bucket ${config.bucket}.`);
  $('dir').textContent = config.dir;
  $('host').textContent = config.host;
  $('max-size').textContent = formatSize(config.maxSize);
  $('threshold').textContent = `over ${formatSize(config.multipartThreshold)}: multipart, resumable for ${config.resumeHours} h`;
  $('types').textContent = config.contentTypes.length ? config.contentTypes.join(', ') : 'any';
  $('signature').textContent = config.signature;
  $('skip-who').textContent = `OSS (the signed policy) for files up to ${formatSize(config.multipartThreshold)}, the app for larger ones`;
  $('limits').hidden = false;
  if (config.contentTypes.length > 0) {
    $('files').accept = config.contentTypes.join(',');
  }
  $('upload').disabled = false;
  $('upload-form').addEventListener('submit', onSubmit);
  $('files').addEventListener('change', onChoose);
  await showSaved();
  document.body.dataset.ready = 'true';
}

init();
