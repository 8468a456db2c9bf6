// Drives ali-oss (the official OSS JavaScript SDK) in Node against an OSS
// endpoint, normally the standalone ossdirect emulator, and prints one JSON
// object: for each operation, whether it succeeded and what it saw. The Go
// test (interop/alioss_test.go) writes the spec, checks the answers and the
// callbacks its application received.
//
// usage: node node.mjs SPEC.json
// SPEC: {endpoint, bucket, region, v4, accessKeyId, accessKeySecret,
//        stsToken?, prefix, callbackURLs: {put, multi}, ops: [names]}
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import OSS from 'ali-oss';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const client = new OSS({
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
});

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

const results = {};
for (const name of spec.ops) {
  try {
    results[name] = { ok: true, ...(await ops[name]()) };
  } catch (e) {
    results[name] = { ok: false, error: `${e.name}: ${e.status || ''} ${e.code || ''} ${e.message}`.slice(0, 600) };
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
