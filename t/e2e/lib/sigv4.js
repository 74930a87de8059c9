'use strict';
// Server-side check of AWS Signature Version 4 (header form), enough for the
// requests the SDKs send to the fake S3 endpoint: it rebuilds the canonical
// request from what arrived on the wire and compares signatures, so a
// request the real S3 would reject as SignatureDoesNotMatch is rejected here
// too.

const crypto = require('crypto');

const ALGORITHM = 'AWS4-HMAC-SHA256';

function sha256Hex(data) {
    return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
    return crypto.createHmac('sha256', key).update(data).digest();
}

// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request,
//  SignedHeaders=host;x-amz-date, Signature=abcd" -> its parts, or null.
function parseAuthorization(value) {
    const parts = {};
    let rest;

    if (typeof value !== 'string' || !value.startsWith(ALGORITHM + ' ')) {
        return null;
    }
    rest = value.slice(ALGORITHM.length + 1);

    for (const item of rest.split(',')) {
        const eq = item.indexOf('=');

        if (eq < 0) {
            return null;
        }
        parts[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
    }

    if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) {
        return null;
    }

    const scope = parts.Credential.split('/');
    if (scope.length !== 5 || scope[4] !== 'aws4_request') {
        return null;
    }

    return {
        accessKeyId: scope[0],
        date: scope[1],
        region: scope[2],
        service: scope[3],
        scope: scope.slice(1).join('/'),
        signedHeaders: parts.SignedHeaders.split(';'),
        signature: parts.Signature,
    };
}

// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
function uriEncode(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g,
        (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function canonicalQuery(rawQuery) {
    if (!rawQuery) {
        return '';
    }

    const pairs = rawQuery.split('&').filter((p) => p.length > 0).map((p) => {
        const eq = p.indexOf('=');
        const name = eq < 0 ? p : p.slice(0, eq);
        const value = eq < 0 ? '' : p.slice(eq + 1);

        return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))];
    });

    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return pairs.map((p) => p[0] + '=' + p[1]).join('&');
}

// req: { method, url (raw path and query), headers (lower-case names) }.
// Returns 'valid', or a short reason why not.
function verify(req, auth, secret) {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? '' : req.url.slice(q + 1);
    const amzDate = req.headers['x-amz-date'];
    const payloadHash = req.headers['x-amz-content-sha256'];
    let headerLines = '';

    if (!amzDate || amzDate.slice(0, 8) !== auth.date) {
        return 'x-amz-date missing or not the credential scope date';
    }
    if (!payloadHash) {
        return 'x-amz-content-sha256 missing';
    }
    if (!auth.signedHeaders.includes('host')) {
        return 'host is not signed';
    }

    for (const name of auth.signedHeaders) {
        const value = req.headers[name];

        if (value === undefined) {
            return 'signed header ' + name + ' missing';
        }
        headerLines += name + ':' + String(value).trim().replace(/\s+/g, ' ') + '\n';
    }

    let sortedQuery;
    try {
        sortedQuery = canonicalQuery(query);
    } catch (_) {
        return 'malformed query string';
    }

    const canonicalRequest = [
        req.method,
        path,
        sortedQuery,
        headerLines,
        auth.signedHeaders.join(';'),
        payloadHash,
    ].join('\n');

    const stringToSign = [ALGORITHM, amzDate, auth.scope, sha256Hex(canonicalRequest)].join('\n');

    let key = hmac('AWS4' + secret, auth.date);
    key = hmac(key, auth.region);
    key = hmac(key, auth.service);
    key = hmac(key, 'aws4_request');

    const expected = hmac(key, stringToSign).toString('hex');

    if (expected.length !== auth.signature.length
        || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature)))
    {
        return 'signature mismatch';
    }
    return 'valid';
}

module.exports = { parseAuthorization, verify, sha256Hex };
