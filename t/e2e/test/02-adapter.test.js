'use strict';
// The handlers behind the Lambda-like adapter, without nginx: what the
// gateway receives from each integration, for each SDK and policy set.

const test = require('node:test');
const assert = require('node:assert/strict');

const { env, observe, PATHS, call, SDKS, skipReason, idsInCaughtError } = require('./helpers');

for (const sdk of SDKS) {
    test(`proxy integration, SDK ${sdk}, broken set: 500 carrying S3's error as JSON`, async (t) => {
        const skip = await skipReason(sdk);
        if (skip) {
            t.skip(skip);
            return;
        }

        const seen = await observe('broken', () => call(env.adapter.broken, PATHS.proxy(sdk)));
        const res = seen.value;
        const s3 = seen.s3[0];

        assert.equal(seen.s3.length, 1, 'one S3 request');
        assert.equal(s3.code, 'AccessDenied');
        assert.equal(s3.signature, 'valid');
        assert.equal(res.status, 500);
        assert.match(res.headers['content-type'], /^application\/json/);

        const json = JSON.parse(res.body.toString('utf8'));

        assert.deepEqual(idsInCaughtError(sdk, json), { code: s3.code, requestId: s3.requestId, hostId: s3.hostId });
        if (sdk === 'v2') {
            assert.equal(json.name, s3.code);
            assert.equal(json.message, s3.message);
            assert.equal(json.statusCode, 403);
        } else if (sdk === 'v3') {
            assert.equal(json.name, s3.code);
            assert.equal(json.message, s3.message);
            assert.equal(json.$metadata.httpStatusCode, 403);
            assert.equal(json.$metadata.requestId, s3.requestId);
        } else {
            assert.equal(json.Error.Message, s3.message);
            assert.equal(json.ResponseMetadata.HTTPStatusCode, 403);
            assert.equal(json.errorMessage,
                         `An error occurred (${s3.code}) when calling the PutObject operation: ${s3.message}`);
        }
    });

    test(`Invoke API, SDK ${sdk}, broken set: 200, Unhandled, the runtime's error document`, async (t) => {
        const skip = await skipReason(sdk);
        if (skip) {
            t.skip(skip);
            return;
        }

        const seen = await observe('broken', () => call(env.adapter.broken, PATHS.invoke(sdk)));
        const res = seen.value;
        const s3 = seen.s3[0];

        assert.equal(seen.s3.length, 1, 'one S3 request');
        assert.equal(res.status, 200);
        assert.equal(res.headers['x-amz-function-error'], 'Unhandled');
        assert.equal(res.headers['x-amz-executed-version'], '$LATEST');

        const payload = JSON.parse(res.body.toString('utf8'));

        if (sdk === 'py') {
            assert.deepEqual(Object.keys(payload), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
            assert.equal(payload.errorType, 'ClientError');
            assert.equal(payload.errorMessage,
                         `An error occurred (${s3.code}) when calling the PutObject operation: ${s3.message}`);
            assert.equal(payload.requestId, res.headers['x-amzn-requestid']);
            assert.ok(payload.stackTrace.some((frame) => frame.includes('upload_py.py')), 'handler frames');
            return;
        }

        assert.deepEqual(Object.keys(payload), ['errorType', 'errorMessage', 'trace']);
        assert.equal(payload.errorType, s3.code);
        assert.equal(payload.errorMessage, s3.message);
        assert.equal(payload.trace[0], s3.code + ': ' + s3.message);
        assert.ok(payload.trace.length > 1, 'a stack trace');
    });

    test(`both integrations, SDK ${sdk}, fixed set: the upload succeeds`, async (t) => {
        const skip = await skipReason(sdk);
        if (skip) {
            t.skip(skip);
            return;
        }

        const proxied = await observe('fixed', () => call(env.adapter.fixed, PATHS.proxy(sdk)));

        assert.equal(proxied.s3.length, 1);
        assert.equal(proxied.s3[0].status, 200);
        assert.equal(proxied.value.status, 200);
        assert.equal(proxied.value.body.toString(), 'OK');

        const invoked = await observe('fixed', () => call(env.adapter.fixed, PATHS.invoke(sdk)));

        assert.equal(invoked.s3[0].status, 200);
        assert.equal(invoked.value.status, 200);
        assert.equal(invoked.value.headers['x-amz-function-error'], undefined);
        assert.deepEqual(JSON.parse(invoked.value.body.toString()), { statusCode: 200, body: 'OK' });
    });
}

test('Invoke API: unknown function and malformed payload are Lambda service errors', async () => {
    const missing = await call(env.adapter.broken, { method: 'POST', path: '/2015-03-31/functions/nope/invocations',
                                                     body: '{}', headers: {} });

    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-amzn-errortype'], 'ResourceNotFoundException');

    const bad = await call(env.adapter.broken, { method: 'POST', path: '/2015-03-31/functions/upload-v2/invocations',
                                                 body: '{not json', headers: {} });

    assert.equal(bad.status, 400);
    assert.equal(bad.headers['x-amzn-errortype'], 'InvalidRequestContentException');
});
