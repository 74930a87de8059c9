'use strict';
// The product on the real path: client -> nginx with ngx_http_s3_unmask_module
// and the seed-incident policy set -> Lambda-like adapter -> handler with the
// real AWS SDK -> fake S3. The broken set must come back as a 403 that names
// the access point policy; the fixed set must pass untouched.

const test = require('node:test');
const assert = require('node:assert/strict');

const { env, observe, PATHS, call, parseDictionary, SDKS, skipReason, setMessageForm } = require('./helpers');

const HOW = ['proxy', 'invoke'];

// S3's bare "Access Denied" (caller and owner in different organizations):
// only the evaluator can name the layer. S3's detailed message (one
// organization, as in the seed set) says "resource-based policy", which the
// evaluator narrows to the access point policy.
const MESSAGE_FORMS = ['bare', 'detailed'];

const noModule = env.module === 'none' ? 'nginx runs without the module (E2E_NO_MODULE=1)' : false;

test.after(() => setMessageForm('broken', 'auto'));

// Runs one request through nginx's broken-set server; resolves to what
// observe() saw, or null when the SDK's tests are skipped.
async function throughNginx(t, sdk, how, form) {
    const skip = await skipReason(sdk);
    if (skip) {
        t.skip(skip);
        return null;
    }

    await setMessageForm('broken', form);
    return observe('broken', () => call(env.nginx.broken, PATHS[how](sdk)));
}

// Where the request id is expected: on the proxy path every handler
// returns the SDK's error with it (boto3 nests it in ResponseMetadata);
// the Invoke path's runtime document has none.
function expectsRequestId(sdk, how) {
    return how === 'proxy';
}

async function brokenSet(t, sdk, how, form) {
    const seen = await throughNginx(t, sdk, how, form);
    if (!seen) {
        return;
    }
    const res = seen.value;

    assert.equal(seen.s3.length, 1, 'one S3 request');
    assert.equal(seen.adapter.length, 1, 'one adapter response');
    const s3 = seen.s3[0];
    const upstream = seen.adapter[0];

    assert.equal(s3.code, 'AccessDenied');
    assert.equal(s3.messageForm, form);
    assert.equal(upstream.status, how === 'proxy' ? 500 : 200, 'the masked status upstream');

    assert.equal(res.status, 403, 'status restored to S3\'s');
    assert.ok(res.headers['s3-denial'], 'S3-Denial header present');

    const denial = parseDictionary(res.headers['s3-denial']);

    assert.equal(denial.code, s3.code);
    assert.equal(denial.layer, 'access-point-policy');
    assert.equal(denial['upstream-status'], upstream.status);
    if (form === 'bare') {
        // nothing in the body names a layer: only the evaluator can
        assert.equal(denial.source, 'evaluator');
    }

    if (expectsRequestId(sdk, how)) {
        // The caught error carries S3's ids: the request id must survive
        // into the header.
        assert.equal(denial['request-id'], s3.requestId);
    } else if (denial['request-id'] !== undefined) {
        // The runtimes' Invoke error documents carry no S3 ids (the Python
        // one has Lambda's own requestId); one reported anyway must be S3's.
        assert.equal(denial['request-id'], s3.requestId);
    }

    // the body is the upstream's, byte for byte
    assert.ok(res.body.equals(upstream.body), 'body kept byte for byte');
    if (res.headers['content-length'] !== undefined) {
        assert.equal(Number(res.headers['content-length']), res.body.length);
    }
}

async function fixedSet(t, sdk, how) {
    const skip = await skipReason(sdk);
    if (skip) {
        t.skip(skip);
        return;
    }

    const seen = await observe('fixed', () => call(env.nginx.fixed, PATHS[how](sdk)));
    const res = seen.value;

    assert.equal(seen.s3.length, 1, 'one S3 request');
    assert.equal(seen.s3[0].status, 200, 'S3 accepted the upload');
    assert.equal(seen.adapter.length, 1, 'one adapter response');
    assert.equal(res.status, 200);
    assert.equal(res.headers['s3-denial'], undefined);
    assert.equal(res.headers['x-amz-function-error'], undefined);
    assert.ok(res.body.equals(seen.adapter[0].body), 'body untouched');
    assert.equal(res.headers['content-type'], seen.adapter[0].headers['Content-Type']);
}

for (const sdk of SDKS) {
    for (const how of HOW) {
        for (const form of MESSAGE_FORMS) {
            const skip = noModule || (form === 'detailed' && !env.evaluator
                ? 'no evaluator: the fake S3 cannot name the layer in a detailed message' : false);

            test(`broken set, SDK ${sdk}, ${how}, ${form} message: 403, S3-Denial names the access point policy`,
                 { skip }, (t) => brokenSet(t, sdk, how, form));
        }

        test(`fixed set, SDK ${sdk}, ${how}: 200 with the body untouched`, (t) => fixedSet(t, sdk, how));
    }
}

test('broken set, SDK py, proxy: S3\'s request id from botocore\'s error response',
     { skip: noModule },
     async (t) => {
         const seen = await throughNginx(t, 'py', 'proxy', 'bare');
         if (!seen) {
             return;
         }

         const denial = parseDictionary(seen.value.headers['s3-denial'] || '');
         assert.equal(denial['request-id'], seen.s3[0].requestId);
     });
