'use strict';
// The fake S3 endpoint, called by the real aws-sdk v2 (in this process) and
// by hand: it must answer like S3, and decide with the policy evaluator.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';

const AWS = require('aws-sdk');
const config = require('../lib/config');
const { LoopbackAgent } = require('../lib/loopback');
const { env, request, observe, setMessageForm } = require('./helpers');

const S3_XML_ERROR = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>([A-Za-z]+)<\/Code><Message>([^<]*)<\/Message><RequestId>([0-9A-Z]{16})<\/RequestId><HostId>([A-Za-z0-9+/=]{20,})<\/HostId><\/Error>$/;

function client(set) {
    return new AWS.S3({
        region: config.LAMBDA_ENV.AWS_REGION,
        credentials: new AWS.Credentials(config.LAMBDA_ENV.AWS_ACCESS_KEY_ID,
                                         config.LAMBDA_ENV.AWS_SECRET_ACCESS_KEY),
        sslEnabled: false,
        maxRetries: 0,
        httpOptions: { agent: new LoopbackAgent(env.s3[set]) },
    });
}

// PutObject of the write-up; resolves to what came over the wire.
function putObject(set, body) {
    return new Promise((resolve) => {
        const wire = { status: 0, headers: {}, chunks: [] };
        const req = client(set).putObject({
            Bucket: config.UPLOAD.accessPointArn,
            Key: config.UPLOAD.key,
            Body: Buffer.from(body),
        });

        req.on('httpHeaders', (status, headers) => {
            wire.status = status;
            wire.headers = headers;
        });
        req.on('httpData', (chunk) => wire.chunks.push(Buffer.from(chunk)));
        req.send((err, data) => {
            wire.body = Buffer.concat(wire.chunks).toString('utf8');
            resolve({ err, data, wire });
        });
    });
}

test.after(() => setMessageForm('broken', 'auto'));

test('broken set: S3 AccessDenied XML with the ids in body and headers', async () => {
    await setMessageForm('broken', 'bare');
    const seen = await observe('broken', () => putObject('broken', config.UPLOAD.body));
    const { err, wire } = seen.value;
    const m = S3_XML_ERROR.exec(wire.body);

    assert.equal(wire.status, 403);
    assert.ok(m, 'S3 error document shape: ' + wire.body);
    assert.equal(m[1], 'AccessDenied');
    assert.equal(m[2], 'Access Denied');
    assert.equal(wire.headers['x-amz-request-id'], m[3]);
    assert.equal(wire.headers['x-amz-id-2'], m[4]);
    assert.equal(wire.headers['content-type'], 'application/xml');

    // the SDK's own parsing of that body
    assert.equal(err.code, 'AccessDenied');
    assert.equal(err.statusCode, 403);
    assert.equal(err.requestId, m[3]);
    assert.equal(err.extendedRequestId, m[4]);

    assert.equal(seen.s3.length, 1);
    assert.equal(seen.s3[0].requestId, m[3]);
    assert.equal(seen.s3[0].signature, 'valid');
    assert.equal(seen.s3[0].principal, config.PRINCIPALS.AKIAE2ELAMBDAEXECROLE.arn);
    assert.equal(seen.s3[0].resource, config.UPLOAD.resourceArn);
});

test('broken set within one organization: S3\'s detailed message', { skip: env.evaluator ? false : 'no evaluator' },
    async () => {
        await setMessageForm('broken', 'auto');
        const seen = await observe('broken', () => putObject('broken', config.UPLOAD.body));
        const { err } = seen.value;

        // the seed set puts both accounts in one organization
        assert.equal(seen.s3[0].messageForm, 'detailed');
        assert.equal(err.code, 'AccessDenied');
        assert.equal(err.message, 'User: ' + config.PRINCIPALS.AKIAE2ELAMBDAEXECROLE.arn
                     + ' is not authorized to perform: s3:PutObject on resource: "' + config.UPLOAD.resourceArn
                     + '" because no resource-based policy allows the s3:PutObject action');
    });

test('fixed set: 200 with the MD5 ETag of the body', async () => {
    const body = 'hello ' + crypto.randomBytes(8).toString('hex');
    const seen = await observe('fixed', () => putObject('fixed', body));
    const { err, data, wire } = seen.value;

    assert.equal(err, null);
    assert.equal(wire.status, 200);
    assert.equal(data.ETag, '"' + crypto.createHash('md5').update(body).digest('hex') + '"');
    assert.equal(wire.headers['x-amz-request-id'], seen.s3[0].requestId);
});

test('the decision comes from the project evaluator', { skip: env.evaluator ? false : 'build/s3-unmask not built' },
    async () => {
        for (const set of ['broken', 'fixed']) {
            const seen = await observe(set, () => putObject(set, config.UPLOAD.body));
            const entry = seen.s3[0];

            assert.equal(entry.decidedBy, 'evaluator',
                         set + ': evaluator did not answer: ' + JSON.stringify(entry.evaluator));
            assert.equal(entry.decision, set === 'broken' ? 'deny' : 'allow',
                         set + ': ' + JSON.stringify(entry.evaluator));

            // s3-unmask eval --json: { decision, layer, reason, ... }
            const why = entry.evaluator.explanation;
            assert.ok(why, set + ': eval --json printed no JSON');
            if (set === 'broken') {
                assert.equal(why.decision, 'ImplicitDeny');
                assert.equal(why.layer, 'access-point-policy');
            } else {
                assert.equal(why.decision, 'Allow');
            }
        }
    });

test('an unknown access key is InvalidAccessKeyId, a bad signature SignatureDoesNotMatch', async () => {
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const headers = (akid) => ({
        Host: 'app-uploads-222233334444.s3-accesspoint.us-east-1.amazonaws.com',
        'x-amz-date': date,
        'x-amz-content-sha256': crypto.createHash('sha256').update('hello').digest('hex'),
        Authorization: 'AWS4-HMAC-SHA256 Credential=' + akid + '/' + date.slice(0, 8)
            + '/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature='
            + '0'.repeat(64),
    });

    const unknown = await request(env.s3.broken, 'PUT', '/file.txt',
                                  { headers: headers('AKIAUNKNOWNUNKNOWN00'), body: 'hello' });
    assert.equal(unknown.status, 403);
    assert.match(unknown.body.toString(), /<Code>InvalidAccessKeyId<\/Code>/);
    assert.match(unknown.body.toString(), /<AWSAccessKeyId>AKIAUNKNOWNUNKNOWN00<\/AWSAccessKeyId>/);

    const forged = await request(env.s3.broken, 'PUT', '/file.txt',
                                 { headers: headers(config.LAMBDA_ENV.AWS_ACCESS_KEY_ID), body: 'hello' });
    assert.equal(forged.status, 403);
    assert.match(forged.body.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(forged.headers['x-amz-request-id'].length, 16);
});
