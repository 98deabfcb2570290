'use strict';
// A proxy that verifies what s3rver does not, in front of it: s3rver
// accepts anonymous requests and any secret, and never checks a body
// against its x-amz-content-sha256.  This proxy refuses, as AWS would:
//   - anonymous requests, an unknown key id, a malformed Authorization;
//   - a signature that is not the one of AWS's own signer
//     (@smithy/signature-v4, configured as the S3 clients configure it;
//     checked against AWS's published examples before it listens);
//   - a signed header that is absent, a clock skew over 15 minutes;
//   - an expired presigned URL;
//   - a body whose SHA-256 is not its hex x-amz-content-sha256 (400);
//   - with S3_SESSION_TOKEN set: a request carrying another session
//     token (one carrying none is let through: s3rver's key pair needs
//     none).
// Anything else goes to s3rver unchanged (raw URL, Host kept for its
// virtual-host buckets) and the answer comes back as s3rver gave it.
//
//   node sigv4-proxy.js LISTEN_PORT UPSTREAM_PORT
//   env: S3RVER_DIR     also run s3rver in this process, data there, on
//                       UPSTREAM_PORT (0: any free port)
//        S3_BUCKETS     its buckets, comma-separated (default invoices)
//        S3_SESSION_TOKEN
//        S3RVER_VERBOSE set: s3rver logs every request (to stdout)
// Credentials: s3rver's fixed pair, S3RVER / S3RVER.
const http = require('http');
const crypto = require('crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

const ACCESS_KEY = 'S3RVER';
const SECRET = 'S3RVER';
const TOKEN = process.env.S3_SESSION_TOKEN || '';
const MAX_BODY = 256 * 1024 * 1024;
const MAX_SKEW_MS = 15 * 60 * 1000;
const PRESIGN_PARAMS = ['X-Amz-Signature', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date',
  'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token'];

// RFC 3986 as SigV4 wants it; S3's canonical path is each segment decoded
// then encoded once (no double encoding, no dot-segment normalisation).
const escape = s => encodeURIComponent(s).replace(/[!'()*]/g,
  c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const canonicalPath = raw => raw.split('/').map(seg => escape(decodeURIComponent(seg))).join('/');
const amzDate = s => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T` +
  `${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
const sameText = (a, b) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

// Query parameters, %XX decoded ('+' stays '+': SigV4 clients send %20).
function parseQuery(qs) {
  const q = {};
  for (const part of (qs || '').split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = decodeURIComponent(i < 0 ? part : part.slice(0, i));
    const v = i < 0 ? '' : decodeURIComponent(part.slice(i + 1));
    q[k] = k in q ? [].concat(q[k], v) : v;
  }
  return q;
}

function signer(credentials, region, service) {
  return new SignatureV4({ credentials, region, service, sha256: Sha256,
    uriEscapePath: false /* S3: the path is canonical already */, applyChecksum: false });
}

// The signature AWS would compute for this request with header auth.
async function expectedHeaderAuth(req, path, query, signed, region, service) {
  const headers = Object.fromEntries(signed.map(n => [n, req.headers[n]]));
  const tok = req.headers['x-amz-security-token'];
  const out = await signer({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, sessionToken: tok || undefined },
    region, service).sign({ method: req.method, protocol: 'http:', hostname: 'x', path, query, headers },
    { signingDate: amzDate(req.headers['x-amz-date']), signableHeaders: new Set(signed) });
  const auth = out.headers.authorization;
  return { sig: /Signature=([0-9a-f]{64})/.exec(auth)[1], signedHeaders: /SignedHeaders=([^,]+)/.exec(auth)[1] };
}

function checkPayload(req, body) {
  const claimed = req.headers['x-amz-content-sha256'];
  if (!claimed) return ['InvalidRequest', 'x-amz-content-sha256 missing'];
  if (/^[0-9a-f]{64}$/.test(claimed)) {
    const real = crypto.createHash('sha256').update(body).digest('hex');
    return real === claimed ? null : ['XAmzContentSHA256Mismatch', `body sha256 ${real} != header`];
  }
  return claimed === 'UNSIGNED-PAYLOAD' ? null : ['NotImplemented', 'payload mode ' + claimed];
}

async function verifyHeaderAuth(req, body, path, query) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^, ]+), ?Signature=([0-9a-f]{64})$/
    .exec(req.headers['authorization']);
  if (!m) return ['AuthorizationHeaderMalformed', 'cannot parse Authorization'];
  const [, key, , region, service, signedHeaders, sig] = m;
  if (key !== ACCESS_KEY) return ['InvalidAccessKeyId', 'unknown key ' + key];
  const date = req.headers['x-amz-date'];
  if (!date) return ['AccessDenied', 'x-amz-date required'];
  if (Math.abs(Date.now() - amzDate(date)) > MAX_SKEW_MS) return ['RequestTimeTooSkewed', 'skew'];
  const signed = signedHeaders.split(';');
  if (!signed.includes('host')) return ['AccessDenied', 'host must be signed'];
  const absent = signed.filter(n => req.headers[n] === undefined);
  if (absent.length) return ['SignatureDoesNotMatch', `signed header(s) not in the request: ${absent}`];
  const tok = req.headers['x-amz-security-token'];
  if (TOKEN && tok !== undefined && tok !== TOKEN) return ['InvalidToken', 'wrong x-amz-security-token'];
  const payload = checkPayload(req, body);
  if (payload) return payload;
  const mine = await expectedHeaderAuth(req, path, query, signed, region, service);
  if (mine.signedHeaders !== signedHeaders) return ['SignatureDoesNotMatch', `signed headers ${mine.signedHeaders} != ${signedHeaders}`];
  return sameText(mine.sig, sig) ? null : ['SignatureDoesNotMatch', 'header signature mismatch'];
}

async function verifyPresigned(req, path, query) {
  const cred = String(query['X-Amz-Credential'] || '').split('/');
  if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256' || cred.length !== 5) return ['AuthorizationQueryParametersError', 'bad params'];
  if (cred[0] !== ACCESS_KEY) return ['InvalidAccessKeyId', 'unknown key ' + cred[0]];
  const date = amzDate(String(query['X-Amz-Date'] || '')), expires = Number(query['X-Amz-Expires']);
  if (isNaN(date) || !(expires >= 1 && expires <= 604800)) return ['AuthorizationQueryParametersError', 'bad date/expires'];
  if (Date.now() > date.getTime() + expires * 1000) return ['AccessDenied', 'Request has expired'];
  const tok = query['X-Amz-Security-Token'];
  if (TOKEN && tok !== undefined && tok !== TOKEN) return ['InvalidToken', 'wrong X-Amz-Security-Token'];
  const signed = String(query['X-Amz-SignedHeaders']).split(';');
  const rest = { ...query };
  for (const k of PRESIGN_PARAMS) delete rest[k];
  const headers = { ...Object.fromEntries(signed.map(n => [n, req.headers[n]])), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const out = await signer({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, sessionToken: tok }, cred[2], cred[3])
    .presign({ method: req.method, protocol: 'http:', hostname: 'x', path, query: rest, headers },
      { signingDate: date, expiresIn: expires, signableHeaders: new Set(signed),
        unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) });
  if (out.query['X-Amz-SignedHeaders'] !== query['X-Amz-SignedHeaders']) return ['SignatureDoesNotMatch', 'signed headers differ'];
  return sameText(out.query['X-Amz-Signature'], String(query['X-Amz-Signature'])) ? null
    : ['SignatureDoesNotMatch', 'presigned signature mismatch'];
}

// null when AWS would accept the request, else [code, message].
async function verify(req, body) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const path = canonicalPath(rawPath), query = parseQuery(rawQuery);
  if (req.headers['authorization']) return verifyHeaderAuth(req, body, path, query);
  if (query['X-Amz-Signature']) return verifyPresigned(req, path, query);
  return ['AccessDenied', 'anonymous requests refused by the proxy'];
}

function deny(res, code, message, status) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code + '</Code><Message>' +
    message.replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</Message><Proxy>sigv4-proxy</Proxy></Error>';
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  console.error(`DENY ${status} ${code}: ${message}`);
}

function forward(req, res, body, upstreamPort) {
  const headers = { ...req.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = String(body.length);
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, answer => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  up.on('error', e => (res.headersSent ? res.destroy() : deny(res, 'ServiceUnavailable', String(e), 503)));
  up.end(body);
}

function proxy(upstreamPort) {
  return http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', c => {
      size += c.length;
      if (size > MAX_BODY) { deny(res, 'EntityTooLarge', 'proxy limit', 413); req.destroy(); } else chunks.push(c);
    });
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      let err;
      try { err = await verify(req, body); } catch (e) { err = ['InternalError', String(e)]; }
      if (!err) return forward(req, res, body, upstreamPort);
      deny(res, err[0], err[1], ['InvalidRequest', 'XAmzContentSHA256Mismatch'].includes(err[0]) ? 400 : 403);
    });
  });
}

// The signer as configured here must reproduce AWS's published examples
// (S3 docs: GET Object with header auth, and a presigned GET URL).
async function selfTest() {
  const s = signer({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    'us-east-1', 's3');
  const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const request = { method: 'GET', protocol: 'https:', hostname: 'examplebucket.s3.amazonaws.com', path: '/test.txt', query: {} };
  const signingDate = new Date('2013-05-24T00:00:00Z');
  const h = await s.sign({ ...request, headers: { host: request.hostname, range: 'bytes=0-9', 'x-amz-content-sha256': empty } },
    { signingDate });
  const p = await s.presign({ ...request, headers: { host: request.hostname, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    { signingDate, expiresIn: 86400, unhoistableHeaders: new Set(['x-amz-content-sha256']),
      unsignableHeaders: new Set(['x-amz-content-sha256']) });
  if (!h.headers.authorization.endsWith('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41') ||
      p.query['X-Amz-Signature'] !== 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404') {
    throw new Error('the signer does not reproduce AWS\'s published examples');
  }
}

async function main() {
  const listenPort = Number(process.argv[2]);
  let upstreamPort = Number(process.argv[3] || 0);
  await selfTest();
  if (process.env.S3RVER_DIR) {
    const S3rver = require('s3rver');
    const buckets = (process.env.S3_BUCKETS || 'invoices').split(',').filter(Boolean).map(name => ({ name, configs: [] }));
    const address = await new S3rver({ port: upstreamPort, address: '127.0.0.1', silent: !process.env.S3RVER_VERBOSE,
      directory: process.env.S3RVER_DIR, configureBuckets: buckets }).run();
    upstreamPort = address.port;
  }
  proxy(upstreamPort).listen(listenPort, '127.0.0.1',
    () => console.error(`sigv4-proxy 127.0.0.1:${listenPort} -> s3rver 127.0.0.1:${upstreamPort}`));
}
main().catch(e => { console.error(e); process.exit(1); });
