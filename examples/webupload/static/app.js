// The upload page of examples/webupload: fetch a signed token from the app,
// POST each file straight to OSS, show OSS's answer (the app's callback answer
// relayed by OSS, or OSS's XML error) per file. No libraries, no build step.

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
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
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
    return `too large: ${bytes(file.size)}, the limit is ${bytes(config.maxSize)} (${formatSize(config.maxSize)})`;
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

// OSS answers errors as XML <Error><Code/><Message/>…</Error> (docs/PROTOCOL.md#error-xml).
function parseOSSError(xhr) {
  const text = xhr.responseText || '';
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const pick = (tag) => {
    const el = doc.getElementsByTagName(tag)[0];
    return el ? el.textContent : '';
  };
  const code = pick('Code');
  const message = pick('Message');
  if (!code && !message) {
    return { code: `HTTP ${xhr.status}`, message: clip(text) || xhr.statusText || 'no response body' };
  }
  return { code, message, requestId: pick('RequestId') };
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

  li.append(head, bar, status, result);
  $('queue').prepend(li);
  return { li, bar, status, result };
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
  item.result.replaceChildren(dl);
  item.result.dataset.answer = JSON.stringify(answer);
}

function showError(item, state, lead, err) {
  const p = document.createElement('p');
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = err.code;
  p.append(`${lead}: `, code, ` — ${err.message}`);
  item.result.replaceChildren(p);
  item.result.dataset.code = err.code;
  item.result.dataset.message = err.message;
  setState(item, state, state === 'stored' ? 'stored, but the app was not told' : 'failed');
}

function send(tok, form, item) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', tok.host);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        item.bar.value = Math.round((e.loaded / e.total) * 100);
        item.status.textContent = `uploading… ${item.bar.value}%`;
      }
    });
    xhr.addEventListener('load', () => resolve(xhr));
    xhr.addEventListener('error', () => resolve(xhr));
    xhr.addEventListener('abort', () => resolve(xhr));
    xhr.send(form);
  });
}

async function uploadOne(file, naming, skipChecks) {
  const item = addItem(file);
  if (!skipChecks) {
    const problem = clientCheck(file);
    if (problem) {
      item.bar.hidden = true;
      showError(item, 'rejected', 'Not sent', { code: 'client-side check', message: problem });
      return;
    }
  }
  let tok;
  try {
    tok = await getToken();
  } catch (e) {
    showError(item, 'error', 'No upload token', { code: 'app', message: e.message });
    return;
  }
  setState(item, 'uploading', 'uploading…');
  const xhr = await send(tok, buildForm(tok, file, naming), item);

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
    item.bar.value = 100;
    let answer;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch {
      answer = null;
    }
    if (answer && typeof answer === 'object') {
      setState(item, 'done', 'uploaded; the app recorded:');
      showAnswer(item, answer);
    } else {
      setState(item, 'done', 'uploaded (no callback answer)');
    }
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
  $('types').textContent = config.contentTypes.length ? config.contentTypes.join(', ') : 'any';
  $('signature').textContent = config.signature;
  $('limits').hidden = false;
  if (config.contentTypes.length > 0) {
    $('files').accept = config.contentTypes.join(',');
  }
  $('upload').disabled = false;
  $('upload-form').addEventListener('submit', onSubmit);
  document.body.dataset.ready = 'true';
}

init();
