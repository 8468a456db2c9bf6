// Drives ali-oss (the official OSS JavaScript SDK) in Node against an OSS
// endpoint, normally the standalone ossdirect emulator, and prints one JSON
// object: for each operation, whether it succeeded and what it saw. The Go
// test (interop/matrix_test.go) writes the spec, checks the answers and the
// callbacks its application received.
//
// usage: node node.mjs SPEC.json
// SPEC: {endpoint, bucket, bucket2, region, v4, accessKeyId, accessKeySecret,
//        stsToken?, prefix, rowBucket, tagsBucket, partRanges,
//        callbackURLs: {put, multi},
//        disposition, ops: [names]}
// The after-upload operations report what they read back as `got`, in the
// words of interop/matrixafter_test.go.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import OSS from 'ali-oss';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const options = {
  endpoint: spec.endpoint,
  bucket: spec.bucket,
  region: 'oss-' + spec.region,
  accessKeyId: spec.accessKeyId,
  accessKeySecret: spec.accessKeySecret,
  stsToken: spec.stsToken || undefined,
  authorizationV4: spec.v4,
  // The emulator as the bucket's own domain (/<key>), the way a bucket is
  // reached through a CNAME.
  cname: true,
  secure: false,
  timeout: 30000,
};
const client = new OSS(options);

// The second bucket, virtual-hosted ("otherbucket.localhost:PORT", which
// the emulator reads as the bucket otherbucket): every host name resolves to
// the loopback address.
const loopback = new http.Agent({ lookup: (host, opts, cb) => (opts && opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });
const virtualHosted = (bucket) => new OSS({ ...options, bucket, cname: false, agent: loopback });
const client2 = virtualHosted(spec.bucket2);

function data(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const md5 = (b) => createHash('md5').update(b).digest('hex');

function callback(uid) {
  return {
    url: spec.callbackURLs[uid],
    body: '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType}}',
    contentType: 'application/json',
  };
}

const small = data(70000, 7);
const large = data(3 * 100 * 1024 + 12345, 11); // three parts and a tail
const p = spec.prefix;

// Each operation returns what the Go test checks.
const ops = {
  async putCallback() {
    const r = await client.put(p + 'put.bin', small, { mime: 'application/x-test', callback: callback('put') });
    return { status: r.res.status, data: r.data, md5: md5(small), size: small.length };
  },
  async multipartCallback() {
    const r = await client.multipartUpload(p + 'multi.bin', large, {
      partSize: 100 * 1024, parallel: 2, mime: 'video/mp4', callback: callback('multi'),
    });
    return { status: r.res.status, data: r.data, md5: md5(large), size: large.length };
  },
  async get() {
    const r = await client.get(p + 'put.bin');
    return { status: r.res.status, md5: md5(r.content), size: r.content.length, type: r.res.headers['content-type'] };
  },
  async head() {
    const r = await client.head(p + 'multi.bin');
    return { status: r.res.status, size: Number(r.res.headers['content-length']), etag: r.res.headers.etag };
  },
  async presignedPut() {
    const body = data(5000, 13);
    const key = p + 'presigned.txt';
    const url = spec.v4
      ? await client.signatureUrlV4('PUT', 60, { headers: { 'Content-Type': 'text/plain' } }, key)
      : client.signatureUrl(key, { method: 'PUT', expires: 60, 'Content-Type': 'text/plain' });
    const r = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body });
    return { status: r.status, answer: r.ok ? '' : await r.text(), md5: md5(body), size: body.length };
  },
  async presignedGet() {
    const key = p + 'presigned.txt';
    const url = spec.v4 ? await client.signatureUrlV4('GET', 60, undefined, key) : client.signatureUrl(key, { expires: 60 });
    const r = await fetch(url);
    const b = Buffer.from(await r.arrayBuffer());
    return { status: r.status, answer: r.ok ? '' : b.toString(), md5: md5(b), size: b.length };
  },
  async delete() {
    const r = await client.delete(p + 'put.bin');
    let after;
    try {
      await client.head(p + 'put.bin');
      after = 'still there';
    } catch (e) {
      after = e.status + ' ' + (e.code || '');
    }
    return { status: r.res.status, after };
  },
};

const rel = (prefix) => (k) => k.slice(prefix.length);
const listRel = rel(p + 'list/');

async function readBack(c, key) {
  const r = await c.get(key);
  return `${r.content.toString()}|${r.res.headers['content-type']}|color=${r.res.headers['x-oss-meta-color'] || ''}`;
}

async function tags(key) {
  const r = await client.getObjectTagging(key);
  return Object.entries(r.tag).map(([k, v]) => `${k}=${v}`).join('&');
}

Object.assign(ops, {
  async objectMeta() {
    const r = await client.getObjectMeta(p + 'multi.bin');
    return { size: Number(r.res.headers['content-length']), got: r.res.headers.etag ? 'etag' : '' };
  },
  async copyReplace() {
    await client.put(p + 'src.txt', Buffer.from('copy me'), { mime: 'text/plain', meta: { color: 'blue' } });
    await client.copy(p + 'dst.txt', p + 'src.txt', {
      headers: { 'x-oss-metadata-directive': 'REPLACE', 'Content-Type': 'text/markdown' }, meta: { color: 'green' },
    });
    return { got: await readBack(client, p + 'dst.txt') };
  },
  async copyCrossBucket() {
    await client2.copy(p + 'moved.txt', p + 'src.txt', spec.bucket);
    return { got: await readBack(client2, p + 'moved.txt') };
  },
  async listV2() {
    for (const k of ['a.txt', 'b.txt', 'c.txt', 'dir1/x.txt', 'dir2/y.txt']) {
      await client.put(p + 'list/' + k, Buffer.from(k));
    }
    const keys = [], prefixes = [];
    let pages = 0, token;
    for (;;) {
      const q = { prefix: p + 'list/', delimiter: '/', 'max-keys': 2 };
      if (token) q['continuation-token'] = token;
      const r = await client.listV2(q);
      pages++;
      for (const o of r.objects || []) keys.push(listRel(o.name));
      for (const pr of r.prefixes || []) prefixes.push(listRel(pr));
      if (!r.isTruncated || pages > 10) break;
      token = r.nextContinuationToken;
    }
    return { got: `pages=${pages} keys=${keys.join(',')} prefixes=${prefixes.join(',')}` };
  },
  async listV1() {
    const keys = [];
    let pages = 0, marker = p + 'list/a.txt';
    for (;;) {
      const r = await client.list({ prefix: p + 'list/', marker, 'max-keys': 3 });
      pages++;
      for (const o of r.objects || []) keys.push(listRel(o.name));
      if (!r.isTruncated || pages > 10) break;
      marker = r.nextMarker;
    }
    return { got: `pages=${pages} keys=${keys.join(',')}` };
  },
  async tagging() {
    const key = p + 'tagged.txt';
    await client.put(key, Buffer.from('t'), { headers: { 'x-oss-tagging': 'status=pending' } });
    const seen = [await tags(key)];
    await client.putObjectTagging(key, { status: 'ready' });
    seen.push(await tags(key));
    await client.deleteObjectTagging(key);
    seen.push(await tags(key));
    return { got: seen.join('|') };
  },
  async deleteMulti() {
    const names = (r) => (r.deleted || []).map((d) => listRel(typeof d === 'string' ? d : d.Key)).join(',');
    const verbose = await client.deleteMulti(['a.txt', 'b.txt', 'missing.txt'].map((k) => p + 'list/' + k));
    const quiet = await client.deleteMulti([p + 'list/c.txt'], { quiet: true });
    const left = await client.listV2({ prefix: p + 'list/' });
    return { got: `verbose=${names(verbose)} quiet=${names(quiet)} remaining=${(left.objects || []).map((o) => listRel(o.name)).join(',')}` };
  },
  async abortMultipart() {
    await client.initMultipartUpload(p + 'abandoned.bin');
    const before = (await client.listUploads({ prefix: p })).uploads || [];
    for (const u of before) await client.abortMultipartUpload(u.name, u.uploadId);
    const after = (await client.listUploads({ prefix: p })).uploads || [];
    const names = (us) => us.map((u) => rel(p)(u.name)).join(',');
    return { got: `listed=${names(before)} after=${names(after)}` };
  },
  async presignedDisposition() {
    const key = p + 'presigned.txt';
    const url = spec.v4
      ? await client.signatureUrlV4('GET', 60, { queries: { 'response-content-disposition': spec.disposition } }, key)
      : client.signatureUrl(key, { expires: 60, response: { 'content-disposition': spec.disposition } });
    const r = await fetch(url);
    const b = Buffer.from(await r.arrayBuffer());
    if (!r.ok) throw new Error(`presigned GET: ${r.status} ${b}`);
    return { md5: md5(b), size: b.length, got: r.headers.get('content-disposition') };
  },
  async sse() {
    const key = p + 'sse.txt';
    const r = await client.put(key, Buffer.from('secret'), { headers: { 'x-oss-server-side-encryption': 'AES256' } });
    const h = await client.head(key);
    return { got: `put=${r.res.headers['x-oss-server-side-encryption'] || ''} head=${h.res.headers['x-oss-server-side-encryption'] || ''}` };
  },
  async partCopy() {
    const key = p + 'partcopy.bin';
    const { uploadId } = await client.initMultipartUpload(key);
    const parts = [];
    const want = [];
    for (const [i, [from, to]] of spec.partRanges.entries()) {
      const r = await client.uploadPartCopy(key, uploadId, i + 1, `${from}-${to}`, { sourceKey: p + 'multi.bin', sourceBucketName: spec.bucket });
      parts.push({ number: i + 1, etag: r.etag });
      want.push(large.subarray(from, to + 1));
    }
    await client.completeMultipartUpload(key, uploadId, parts);
    const g = await client.get(key);
    return { got: `size=${g.content.length} same=${g.content.equals(Buffer.concat(want))} ${g.res.headers['x-oss-object-type']}` };
  },
  async buckets() {
    const name = spec.rowBucket;
    const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code || String(e); } };
    await client2.putBucket(name);
    const info = await client2.getBucketInfo(name);
    const list = await client2.listBuckets({ prefix: name });
    const c3 = virtualHosted(name);
    await c3.put('x.txt', Buffer.from('x'));
    const full = await code(() => client2.deleteBucket(name));
    await c3.delete('x.txt');
    await client2.deleteBucket(name);
    const after = await code(() => client2.getBucketInfo(name));
    return { got: `info=${info.bucket.Name === name ? 'ok' : info.bucket.Name} listed=${(list.buckets || []).length} full=${full} after=${after}` };
  },
  async bucketTags() {
    // ListBuckets' tagging parameter is a sub-resource, signed with V1:
    // ali-oss signs only what listBuckets takes as query.subres.
    const name = spec.tagsBucket;
    const self = (s) => s.split(name).join('self');
    await client2.putBucket(name);
    try {
      await client2.putBucketTags(name, { team: 'media', owner: name });
      const read = async () => Object.entries((await client2.getBucketTags(name)).tag).map(([k, v]) => `${k}=${self(v)}`).sort().join('&');
      const list = async (query) => ((await client2.listBuckets(query)).buckets || []).map((b) => self(b.name)).join(',');
      const get = await read();
      const byKey = await list({ 'tag-key': 'owner', 'tag-value': name });
      const byTagging = await list({ subres: { tagging: `"owner":"${name}"` } });
      await client2.deleteBucketTags(name);
      return { got: `get=${get}|tag-key=${byKey}|tagging=${byTagging}|after-delete=${await read()}` };
    } finally {
      await client2.deleteBucket(name);
    }
  },
  async append() {
    const key = p + 'log.txt';
    const a = await client.append(key, Buffer.from('hello '));
    await client.append(key, Buffer.from('world'), { position: a.nextAppendPosition });
    const g = await client.get(key);
    const h = await client.head(key);
    return { got: `${g.content}|${h.res.headers['x-oss-object-type']}|next=${h.res.headers['x-oss-next-append-position']}` };
  },
});

const results = {};
for (const name of spec.ops) {
  try {
    results[name] = { ok: true, ...(await ops[name]()) };
  } catch (e) {
    results[name] = { ok: false, error: `${e.name}: ${e.status || ''} ${e.code || ''} ${e.message}`.slice(0, 600) };
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
