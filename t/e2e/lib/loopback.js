'use strict';
// Loopback transport for the real AWS SDKs.
//
// The handlers keep the write-up's request exactly: Bucket is the access
// point ARN, so each SDK derives the access point host name
// (app-uploads-222233334444.s3-accesspoint.us-east-1.amazonaws.com), signs
// for it and sends it in the Host header, as in production. Neither SDK
// accepts a custom endpoint together with an access point ARN (v2:
// "Custom endpoint is not compatible with access point ARN"; v3:
// "Path-style addressing cannot be used with ARN buckets", and without path
// style it builds an unparsable host from 127.0.0.1). So instead of
// changing the endpoint we change where the socket goes: an http.Agent
// whose every connection is opened to the fake S3 endpoint on 127.0.0.1,
// whatever host the SDK resolved. Nothing can leave the machine: no DNS
// lookup happens and no other address is ever dialled.
//
// The one visible deviation: plain HTTP on the loopback instead of TLS
// (v2: sslEnabled false; v3: the request's protocol is set to http just
// before it is sent, after signing, since the protocol is not signed).

const http = require('http');
const net = require('net');

class LoopbackAgent extends http.Agent {
    constructor(port) {
        super({ keepAlive: true });
        this.loopbackPort = port;
    }

    createConnection(options, onConnect) {
        // The SDK's own host and port are ignored on purpose: see above.
        return net.createConnection({ host: '127.0.0.1', port: this.loopbackPort }, onConnect);
    }
}

function s3Port() {
    const port = Number(process.env.E2E_S3_PORT);

    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error('E2E_S3_PORT must name the fake S3 endpoint port on 127.0.0.1');
    }
    return port;
}

// Options for `new AWS.S3(...)` (aws-sdk v2). Region and credentials come
// from the Lambda-like environment (AWS_REGION, AWS_ACCESS_KEY_ID, ...).
function sdkV2Options() {
    return {
        sslEnabled: false,
        maxRetries: 0,
        httpOptions: { agent: new LoopbackAgent(s3Port()) },
    };
}

// Options for `new S3Client(...)` (@aws-sdk/client-s3 v3).
function sdkV3Options() {
    const { NodeHttpHandler } = require('@smithy/node-http-handler');
    const inner = new NodeHttpHandler({ httpAgent: new LoopbackAgent(s3Port()) });

    // A request handler that only downgrades the scheme and hands over.
    const requestHandler = {
        metadata: inner.metadata,
        handle(request, options) {
            request.protocol = 'http:';
            return inner.handle(request, options);
        },
        updateHttpClientConfig(key, value) {
            inner.updateHttpClientConfig(key, value);
        },
        httpHandlerConfigs() {
            return inner.httpHandlerConfigs();
        },
        destroy() {
            inner.destroy();
        },
    };

    return { maxAttempts: 1, requestHandler };
}

module.exports = { LoopbackAgent, sdkV2Options, sdkV3Options };
