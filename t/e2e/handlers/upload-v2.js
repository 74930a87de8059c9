'use strict';
// The upload function of the incident write-up (../../../../shared/seed/),
// with the real aws-sdk v2, as it behaved before the fix: the S3 error is
// caught and turned into a 500 that carries the error as JSON.
//
// Two entry points, one per way the error can leave a Lambda function:
//   handler    catches the error and returns a 500 proxy response
//              (API Gateway Lambda proxy integration);
//   unhandled  lets the error escape to the runtime (Lambda Invoke API:
//              200 with X-Amz-Function-Error: Unhandled).
// Region and credentials come from the environment, as in Lambda; the only
// addition to the write-up is the loopback transport (lib/loopback.js).

const AWS = require('aws-sdk');
const loopback = require('../lib/loopback');

const s3 = new AWS.S3(loopback.sdkV2Options());

async function upload() {
    await s3.putObject({
        Bucket: 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads',
        Key: 'file.txt',
        Body: Buffer.from('hello'),
    }).promise();

    return { statusCode: 200, body: 'OK' };
}

// name and message are not always enumerable on SDK errors; the SDK's own
// fields (code, requestId, extendedRequestId, statusCode, ...) are.
function errorAsJson(err) {
    return JSON.stringify(Object.assign({ name: err.name, message: err.message }, err));
}

exports.handler = async () => {
    try {
        return await upload();

    } catch (err) {
        console.error('Unexpected S3 error', err);
        return {
            statusCode: 500,
            headers: { 'Content-Type': 'application/json' },
            body: errorAsJson(err),
        };
    }
};

exports.unhandled = async () => upload();
