'use strict';
// The write-up's upload function ported to @aws-sdk/client-s3 (v3): same
// request, same error handling.
// Entry points as in upload-v2.js: `handler` (caught, 500 with the error as
// JSON) and `unhandled` (the error escapes to the runtime).

const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const loopback = require('../lib/loopback');

const s3 = new S3Client(loopback.sdkV3Options());

async function upload() {
    await s3.send(new PutObjectCommand({
        Bucket: 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads',
        Key: 'file.txt',
        Body: Buffer.from('hello'),
    }));

    return { statusCode: 200, body: 'OK' };
}

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
