'use strict';
// The pieces of the e2e harness on their own, without servers: the Lambda
// runtime's error serialization, SigV4 checking, resource resolution and
// the S3-Denial parser the other tests rely on.

const test = require('node:test');
const assert = require('node:assert/strict');

const runtime = require('../lib/lambda-runtime');
const sigv4 = require('../lib/sigv4');
const { resolveResource, errorXml, denialMessage } = require('../fake-s3');
const { parseDictionary } = require('./helpers');

test('runtime: invoke error payload is errorType, errorMessage, trace only', () => {
    class AccessDenied extends Error {}
    AccessDenied.prototype.name = 'AccessDenied';
    const err = new AccessDenied('Access Denied');
    err.requestId = 'R3QUESTID0000001';
    err.$metadata = { httpStatusCode: 403 };

    const payload = runtime.toInvokeErrorPayload(err);

    assert.deepEqual(Object.keys(payload), ['errorType', 'errorMessage', 'trace']);
    assert.equal(payload.errorType, err.name);
    assert.equal(payload.errorMessage, err.message);
    assert.deepEqual(payload.trace, err.stack.split('\n'));
    assert.equal(payload.trace[0], err.name + ': ' + err.message);
});

test('runtime: a thrown non-error is typed by typeof', () => {
    const payload = runtime.toInvokeErrorPayload('plain string');

    assert.equal(payload.errorType, 'string');
    assert.equal(payload.errorMessage, 'plain string');
    assert.deepEqual(payload.trace, []);
});

test('runtime: an error whose fields cannot be read is "handled"', () => {
    const err = new Error('x');
    Object.defineProperty(err, 'stack', { get() { throw new Error('no stack'); } });

    assert.equal(runtime.toInvokeErrorPayload(err).errorType, 'handled');
});

test('runtime: the log line carries the enumerable properties', () => {
    const err = new Error('Access Denied');
    err.name = 'AccessDenied';
    err.requestId = 'ABCDEFGHIJKLMNOP';

    const line = runtime.toLogFormat(err);
    const logged = JSON.parse(line.slice(1));

    assert.equal(line[0], '\t');
    assert.equal(logged.errorType, 'AccessDenied');
    assert.equal(logged.requestId, err.requestId);
    assert.ok(Array.isArray(logged.stack));
});

test('runtime: async, sync and callback handlers', async () => {
    const boom = new Error('boom');

    assert.deepEqual(await runtime.invokeHandler(async () => 7, {}, {}), { ok: true, result: 7 });
    assert.deepEqual(await runtime.invokeHandler(() => { throw boom; }, {}, {}), { ok: false, error: boom });
    assert.deepEqual(await runtime.invokeHandler((e, c, cb) => cb(null, 'r'), {}, {}), { ok: true, result: 'r' });
    assert.deepEqual(await runtime.invokeHandler((e, c, cb) => cb(boom), {}, {}), { ok: false, error: boom });
});

// The GET Object example of AWS's Signature Version 4 documentation.
const DOC_AUTH = 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,'
    + 'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,'
    + 'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
const DOC_REQUEST = {
    method: 'GET',
    url: '/test.txt',
    headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
    },
};
const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

test('sigv4: accepts the documented example', () => {
    const auth = sigv4.parseAuthorization(DOC_AUTH);

    assert.equal(auth.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(sigv4.verify(DOC_REQUEST, auth, DOC_SECRET), 'valid');
});

test('sigv4: rejects a changed header, path or secret', () => {
    const auth = sigv4.parseAuthorization(DOC_AUTH);
    const changedHeader = { ...DOC_REQUEST, headers: { ...DOC_REQUEST.headers, range: 'bytes=0-10' } };
    const changedPath = { ...DOC_REQUEST, url: '/test.txu' };

    assert.notEqual(sigv4.verify(changedHeader, auth, DOC_SECRET), 'valid');
    assert.notEqual(sigv4.verify(changedPath, auth, DOC_SECRET), 'valid');
    assert.notEqual(sigv4.verify(DOC_REQUEST, auth, DOC_SECRET + 'x'), 'valid');
    assert.equal(sigv4.parseAuthorization('AWS AKIA:sig'), null);
});

test('fake S3: access point host and bucket hosts map to resource ARNs', () => {
    const ap = resolveResource('app-uploads-222233334444.s3-accesspoint.us-east-1.amazonaws.com', '/dir/a%20b.txt');

    assert.equal(ap.resource, 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/dir/a b.txt');
    assert.equal(ap.context['s3:DataAccessPointArn'], 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads');
    assert.equal(ap.context['s3:DataAccessPointAccount'], '222233334444');

    assert.equal(resolveResource('my-bucket.s3.us-east-1.amazonaws.com', '/k').resource, 'arn:aws:s3:::my-bucket/k');
    assert.equal(resolveResource('s3.us-east-1.amazonaws.com', '/my-bucket/k/2').resource,
                 'arn:aws:s3:::my-bucket/k/2');
    assert.equal(resolveResource('example.com', '/k'), null);
    assert.equal(resolveResource('app-uploads-222233334444.s3-accesspoint.us-east-1.amazonaws.com', '/'), null);
});

test('fake S3: error document escapes what it embeds', () => {
    const xml = errorXml('AccessDenied', 'a<b & "c"', [['Resource', '/x>y']], 'RID', 'HID');

    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code>/);
    assert.ok(xml.includes('<Message>a&lt;b &amp; &quot;c&quot;</Message>'));
    assert.ok(xml.includes('<Resource>/x&gt;y</Resource>'));
    assert.ok(xml.endsWith('<RequestId>RID</RequestId><HostId>HID</HostId></Error>'));
});

test('S3-Denial parser: tokens, strings, integers, booleans, parameters', () => {
    const d = parseDictionary('code=AccessDenied, layer=access-point-policy, upstream-status=500,'
                              + ' request-id="AB\\"C", flag, off=?0;p=1');

    assert.equal(d.code, 'AccessDenied');
    assert.equal(d.layer, 'access-point-policy');
    assert.equal(d['upstream-status'], 500);
    assert.equal(d['request-id'], 'AB"C');
    assert.equal(d.flag, true);
    assert.equal(d.off, false);
    assert.throws(() => parseDictionary('code=AccessDenied,'));
    assert.throws(() => parseDictionary('request-id="unterminated'));
    assert.throws(() => parseDictionary('Code=upper'));
});

test('fake S3: detailed AccessDenied messages only within one organization', () => {
    const principal = { arn: 'arn:aws:sts::111122223333:assumed-role/r/s', account: '111122223333' };
    const target = resolveResource('app-222233334444.s3-accesspoint.us-east-1.amazonaws.com', '/k');
    const sameOrg = { 111122223333: 'o-1', 222233334444: 'o-1' };
    const otherOrg = { 111122223333: 'o-1', 222233334444: 'o-2' };
    const implicit = { explanation: { decision: 'ImplicitDeny', layer: 'access-point-policy' } };
    const explicit = { explanation: { decision: 'ExplicitDeny', layer: 'identity' } };
    const vpce = { explanation: { decision: 'ImplicitDeny', layer: 'vpc-endpoint-policy' } };

    assert.deepEqual(denialMessage('auto', sameOrg, principal, 's3:PutObject', target, implicit), {
        form: 'detailed',
        text: 'User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: s3:PutObject'
              + ' on resource: "arn:aws:s3:us-east-1:222233334444:accesspoint/app/object/k"'
              + ' because no resource-based policy allows the s3:PutObject action',
    });
    assert.match(denialMessage('auto', sameOrg, principal, 's3:PutObject', target, explicit).text,
                 / with an explicit deny in an identity-based policy$/);
    assert.equal(denialMessage('auto', otherOrg, principal, 's3:PutObject', target, implicit).text, 'Access Denied');
    assert.equal(denialMessage('bare', sameOrg, principal, 's3:PutObject', target, implicit).text, 'Access Denied');
    assert.equal(denialMessage('detailed', otherOrg, principal, 's3:PutObject', target, implicit).form, 'detailed');
    assert.equal(denialMessage('auto', sameOrg, principal, 's3:PutObject', target, vpce).text, 'Access Denied');
    assert.equal(denialMessage('auto', sameOrg, principal, 's3:PutObject', target, {}).text, 'Access Denied');
});
