'use strict';
// A fake S3 endpoint on 127.0.0.1 that answers PutObject the way S3 does,
// deciding with the project's own policy evaluator.
//
//   node fake-s3.js --port N --set broken|fixed --policies DIR
//                   [--evaluator PATH] [--fallback allow|deny]
//
// For each PUT it
//   1. authenticates: SigV4 header auth, access key id -> principal
//      (lib/config.js PRINCIPALS), signature and payload hash checked;
//      failures answer InvalidAccessKeyId / SignatureDoesNotMatch /
//      XAmzContentSHA256Mismatch as S3 does;
//   2. works out the resource from the Host header and path: an access
//      point host (NAME-ACCOUNT.s3-accesspoint.REGION.amazonaws.com) gives
//      arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY, a bucket
//      gives arn:aws:s3:::BUCKET/KEY;
//   3. asks `s3-unmask eval` whether the policy set allows it (exit 0 allow,
//      1 deny). Without the evaluator binary, or when it cannot answer
//      (exit 2), the --fallback decision of the test setup is used and the
//      log says so;
//   4. answers 200 with the ETag (MD5 of the body), or 403 AccessDenied with
//      S3's XML body and x-amz-request-id / x-amz-id-2 headers. The message
//      is S3's detailed one ("User: ... is not authorized to perform: ...
//      because no resource-based policy allows ...") when caller and
//      resource owner are in one organization according to the policy
//      set's manifest and the evaluator named the layer, else the bare
//      "Access Denied" (S3 gives details only within an organization, and
//      never for VPC endpoint policy denials).
//
// Control endpoints, answered only without an Authorization header:
//   GET  /__e2e/requests        the log of every S3 request, as JSON, for
//                               the tests to learn the ids S3 handed out;
//   POST /__e2e/message-form    body auto|bare|detailed: which AccessDenied
//                               message to give from now on (default auto).

const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const { execFile } = require('child_process');

const config = require('./lib/config');
const sigv4 = require('./lib/sigv4');

const ACCESS_POINT_HOST = /^([a-z0-9-]{3,50})-([0-9]{12})\.s3-accesspoint\.([a-z0-9-]+)\.amazonaws\.com$/;
const BUCKET_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/;
const PATH_STYLE_HOST = /^s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/;

const MAX_BODY = 16 * 1024 * 1024;
const MESSAGE_FORMS = ['auto', 'bare', 'detailed'];

// How AWS names each layer in a detailed AccessDenied message (bucket and
// access point policies are both "resource-based policy").
const LAYER_WORDING = {
    'identity': 'identity-based policy',
    'permissions-boundary': 'permissions boundary',
    'session-policy': 'session policy',
    'scp': 'service control policy',
    'rcp': 'resource control policy',
    'bucket-policy': 'resource-based policy',
    'access-point-policy': 'resource-based policy',
    'resource-policy': 'resource-based policy',
};
const EVALUATOR_TIMEOUT_MS = 10000;

function parseArgs(argv) {
    const opts = { fallback: 'deny' };

    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i];
        const value = argv[i + 1];

        if (!name.startsWith('--') || value === undefined) {
            throw new Error('usage: fake-s3.js --port N --set NAME --policies DIR '
                            + '[--evaluator PATH] [--fallback allow|deny]');
        }
        opts[name.slice(2)] = value;
    }

    opts.port = Number(opts.port);
    if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
        throw new Error('--port must be a TCP port');
    }
    if (!opts.set || !opts.policies) {
        throw new Error('--set and --policies are required');
    }
    if (opts.fallback !== 'allow' && opts.fallback !== 'deny') {
        throw new Error('--fallback is allow or deny');
    }
    return opts;
}

// S3 request ids: 16 upper-case alphanumerics; host ids: base64 of random
// bytes, 76 characters like the real x-amz-id-2.
function newRequestId() {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const bytes = crypto.randomBytes(16);
    let id = '';

    for (const b of bytes) {
        id += alphabet[b % alphabet.length];
    }
    return id;
}

function newHostId() {
    return crypto.randomBytes(57).toString('base64');
}

function xmlEscape(text) {
    return String(text).replace(/[<>&'"]/g, (c) => ({
        '<': '&lt;', '>': '&gt;', '&': '&amp;', '\'': '&apos;', '"': '&quot;',
    }[c]));
}

// The S3 error document: declaration, newline, one-line <Error>.
function errorXml(code, message, extra, requestId, hostId) {
    let inner = '<Code>' + xmlEscape(code) + '</Code><Message>' + xmlEscape(message) + '</Message>';

    for (const [name, value] of extra) {
        inner += '<' + name + '>' + xmlEscape(value) + '</' + name + '>';
    }
    inner += '<RequestId>' + requestId + '</RequestId><HostId>' + hostId + '</HostId>';

    return '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + inner + '</Error>';
}

function sendError(res, entry, status, code, message, extra) {
    const body = errorXml(code, message, extra || [], entry.requestId, entry.hostId);

    entry.status = status;
    entry.code = code;
    entry.message = message;

    // S3 sends error documents chunked, without Content-Length.
    res.writeHead(status, {
        'x-amz-request-id': entry.requestId,
        'x-amz-id-2': entry.hostId,
        'Content-Type': 'application/xml',
        'Transfer-Encoding': 'chunked',
        'Date': new Date().toUTCString(),
        'Server': 'AmazonS3',
    });
    res.end(body);
}

// Host + path -> { resource, context } or null when it is no object PUT we
// understand.
function resolveResource(host, rawPath) {
    const hostname = String(host || '').replace(/:\d+$/, '').toLowerCase();
    let m;
    let key;

    let decodedPath;
    try {
        decodedPath = decodeURIComponent(rawPath);
    } catch (_) {
        return null;
    }

    m = ACCESS_POINT_HOST.exec(hostname);
    if (m) {
        key = decodedPath.slice(1);
        if (key.length === 0) {
            return null;
        }
        const apArn = 'arn:aws:s3:' + m[3] + ':' + m[2] + ':accesspoint/' + m[1];

        return {
            resource: apArn + '/object/' + key,
            context: {
                's3:DataAccessPointArn': apArn,
                's3:DataAccessPointAccount': m[2],
                's3:AccessPointNetworkOrigin': 'Internet',
            },
        };
    }

    let bucket;
    m = BUCKET_HOST.exec(hostname);
    if (m && !hostname.startsWith('s3.') && !hostname.startsWith('s3-')) {
        bucket = m[1];
        key = decodedPath.slice(1);
    } else if (PATH_STYLE_HOST.test(hostname)) {
        const slash = decodedPath.indexOf('/', 1);

        if (slash < 0) {
            return null;
        }
        bucket = decodedPath.slice(1, slash);
        key = decodedPath.slice(slash + 1);
    } else {
        return null;
    }

    if (!bucket || !key) {
        return null;
    }
    return { resource: 'arn:aws:s3:::' + bucket + '/' + key, context: {} };
}

// Runs `s3-unmask eval`; resolves to { decision: 'allow'|'deny', by, ... }.
function decide(opts, principal, action, target) {
    const context = Object.assign({
        'aws:PrincipalArn': principal.roleArn,
        'aws:PrincipalAccount': principal.account,
        // The fake endpoint stands for S3's HTTPS endpoint; only the loopback
        // hop of the test is plain HTTP.
        'aws:SecureTransport': 'true',
    }, target.context);

    const args = ['eval', '--policies', opts.policies,
                  '--principal', principal.arn,
                  '--action', action,
                  '--resource', target.resource];

    for (const [k, v] of Object.entries(context)) {
        args.push('--context', k + '=' + v);
    }
    args.push('--json');

    return new Promise((resolve) => {
        if (!opts.evaluator) {
            resolve({ decision: opts.fallback, by: 'setup', why: 'no evaluator given' });
            return;
        }

        execFile(opts.evaluator, args, { timeout: EVALUATOR_TIMEOUT_MS, maxBuffer: 1 << 20 },
            (err, stdout, stderr) => {
                const exit = err ? (typeof err.code === 'number' ? err.code : null) : 0;
                let explanation = null;

                try {
                    explanation = JSON.parse(stdout);
                } catch (_) {
                    explanation = null;
                }

                if (exit === 0 || exit === 1) {
                    resolve({
                        decision: exit === 0 ? 'allow' : 'deny',
                        by: 'evaluator',
                        exit,
                        explanation,
                    });
                    return;
                }

                resolve({
                    decision: opts.fallback,
                    by: 'setup',
                    why: 'evaluator could not answer: '
                         + (err && err.code === 'ENOENT' ? 'not built' : 'exit ' + exit
                            + ': ' + String(stderr).trim().slice(0, 500)),
                    exit,
                });
            });
    });
}

// account id -> organization id, from the policy set's manifest; empty
// when it cannot be read (then every message is bare).
function loadOrganizations(dir) {
    const orgs = {};

    try {
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'policyset.json'), 'utf8'));

        for (const [account, info] of Object.entries(manifest.accounts || {})) {
            if (info && typeof info.org_id === 'string' && info.org_id !== '') {
                orgs[account] = info.org_id;
            }
        }
    } catch (err) {
        console.error('fake-s3: no organizations from ' + dir + ': ' + err.message);
    }
    return orgs;
}

function resourceAccount(target) {
    const m = /^arn:aws[a-z-]*:s3:[a-z0-9-]*:([0-9]{12}):/.exec(target.resource);

    return m ? m[1] : target.context['s3:DataAccessPointAccount'];
}

// The <Message> of an AccessDenied, in the form S3 would choose.
function denialMessage(form, orgs, principal, action, target, verdict) {
    const why = verdict.explanation;
    const callerOrg = orgs[principal.account];
    const ownerOrg = orgs[resourceAccount(target)];
    const wording = why && LAYER_WORDING[why.layer];
    const detailed = form === 'detailed'
        || (form === 'auto' && callerOrg !== undefined && callerOrg === ownerOrg);

    if (!detailed || !wording) {
        return { form: 'bare', text: 'Access Denied' };
    }

    const text = 'User: ' + principal.arn + ' is not authorized to perform: ' + action
        + ' on resource: "' + target.resource + '" '
        + (why.decision === 'ExplicitDeny'
            ? 'with an explicit deny in ' + (/^[aeiou]/.test(wording) ? 'an ' : 'a ') + wording
            : 'because no ' + wording + ' allows the ' + action + ' action');

    return { form: 'detailed', text };
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;

        req.on('data', (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY) {
                reject(new Error('body too large'));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

async function handleS3(opts, log, req, res) {
    const entry = {
        seq: log.length + 1,
        time: new Date().toISOString(),
        set: opts.set,
        method: req.method,
        host: req.headers.host,
        url: req.url,
        requestId: newRequestId(),
        hostId: newHostId(),
    };
    log.push(entry);

    const body = await readBody(req);
    const auth = sigv4.parseAuthorization(req.headers.authorization);

    // A client sending through an HTTP proxy (boto3 here) uses the absolute
    // form "PUT http://host/key"; S3 signs and routes on the origin form.
    const originForm = req.url.replace(/^https?:\/\/[^/?#]*/i, '') || '/';
    const wire = { method: req.method, url: originForm, headers: req.headers };

    if (!auth) {
        sendError(res, entry, 403, 'AccessDenied', 'Access Denied');
        return;
    }

    entry.accessKeyId = auth.accessKeyId;
    const principal = config.PRINCIPALS[auth.accessKeyId];

    if (!principal) {
        sendError(res, entry, 403, 'InvalidAccessKeyId',
                  'The AWS Access Key Id you provided does not exist in our records.',
                  [['AWSAccessKeyId', auth.accessKeyId]]);
        return;
    }
    entry.principal = principal.arn;

    entry.signature = sigv4.verify(wire, auth, principal.secret);
    if (entry.signature !== 'valid') {
        sendError(res, entry, 403, 'SignatureDoesNotMatch',
                  'The request signature we calculated does not match the signature you provided. '
                  + 'Check your key and signing method.');
        return;
    }

    const claimed = req.headers['x-amz-content-sha256'];
    if (claimed !== 'UNSIGNED-PAYLOAD' && claimed !== sigv4.sha256Hex(body)) {
        sendError(res, entry, 400, 'XAmzContentSHA256Mismatch',
                  'The provided \'x-amz-content-sha256\' header does not match what was computed.');
        return;
    }

    const md5 = req.headers['content-md5'];
    if (md5 !== undefined && md5 !== crypto.createHash('md5').update(body).digest('base64')) {
        sendError(res, entry, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
        return;
    }

    const q = originForm.indexOf('?');
    const target = resolveResource(req.headers.host, q < 0 ? originForm : originForm.slice(0, q));

    if (req.method !== 'PUT' || !target) {
        sendError(res, entry, 501, 'NotImplemented',
                  'A header you provided implies functionality that is not implemented');
        return;
    }

    entry.action = config.UPLOAD.action;
    entry.resource = target.resource;

    const verdict = await decide(opts, principal, entry.action, target);
    entry.decision = verdict.decision;
    entry.decidedBy = verdict.by;
    entry.evaluator = { exit: verdict.exit, explanation: verdict.explanation, why: verdict.why };

    if (verdict.decision !== 'allow') {
        const message = denialMessage(opts.messageForm, opts.organizations, principal, entry.action, target,
                                      verdict);

        entry.messageForm = message.form;
        sendError(res, entry, 403, 'AccessDenied', message.text);
        return;
    }

    entry.status = 200;
    entry.etag = '"' + crypto.createHash('md5').update(body).digest('hex') + '"';

    const headers = {
        'x-amz-request-id': entry.requestId,
        'x-amz-id-2': entry.hostId,
        'Date': new Date().toUTCString(),
        'ETag': entry.etag,
        'Server': 'AmazonS3',
        'Content-Length': '0',
    };
    // S3 echoes the checksum it verified (SDK v3 sends CRC32 by default).
    for (const name of Object.keys(req.headers)) {
        if (name.startsWith('x-amz-checksum-')) {
            headers[name] = req.headers[name];
        }
    }
    res.writeHead(200, headers);
    res.end();
}

function main() {
    const opts = parseArgs(process.argv.slice(2));
    const log = [];

    opts.organizations = loadOrganizations(opts.policies);
    opts.messageForm = 'auto';

    const server = http.createServer((req, res) => {
        if (req.method === 'GET' && req.url === '/__e2e/requests' && !req.headers.authorization) {
            const json = JSON.stringify(log);

            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(json);
            return;
        }
        if (req.method === 'POST' && req.url === '/__e2e/message-form' && !req.headers.authorization) {
            readBody(req).then((body) => {
                const form = body.toString('utf8').trim();

                if (!MESSAGE_FORMS.includes(form)) {
                    res.writeHead(400, { 'Content-Type': 'text/plain' });
                    res.end('message form is one of ' + MESSAGE_FORMS.join(', ') + '\n');
                    return;
                }
                opts.messageForm = form;
                res.writeHead(204);
                res.end();
            }, () => res.destroy());
            return;
        }

        handleS3(opts, log, req, res).catch((err) => {
            console.error('fake-s3: ' + err.stack);
            if (!res.headersSent) {
                res.writeHead(500, { 'Content-Type': 'text/plain' });
            }
            res.end();
        });
    });

    server.listen(opts.port, '127.0.0.1', () => {
        console.log('fake-s3 (' + opts.set + ') listening on 127.0.0.1:' + opts.port);
    });

    // Keep-alive sockets of the SDKs would hold server.close() open.
    const stop = () => process.exit(0);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

if (require.main === module) {
    main();
}

module.exports = { resolveResource, errorXml, newRequestId, denialMessage };
