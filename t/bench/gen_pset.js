#!/usr/bin/env node
/*
 * Writes a policy set of exactly N statements into DIR, for the scaling
 * figures of ./build.sh bench:
 *
 *   node gen_pset.js N DIR
 *
 * It is the incident at scale: a Lambda role in 111122223333 puts an
 * object through access point app-uploads of 222233334444.  Half of the
 * statements are in the role's identity policy, a quarter in the bucket
 * policy and the rest in the access point policy.  Every layer is mostly
 * statements for other buckets, access points, actions or principals,
 * with conditions and a few Deny statements that do not apply; the
 * identity policy ends with the grant, the bucket policy with the
 * delegation to access points, and the access point policy never names
 * the role.  The request is therefore an implicit deny at the access point
 * that has to look at every statement, and at the closest ones: the worst
 * case for evaluation time.
 */

'use strict';

const fs = require('fs');
const path = require('path');

const CALLER = '111122223333';
const OWNER = '222233334444';
const REGION = 'us-east-1';
const AP = `arn:aws:s3:${REGION}:${OWNER}:accesspoint/app-uploads`;
const BUCKET = 'corp-app-uploads';

const ACTIONS = [
    ['s3:GetObject'], ['s3:PutObject', 's3:PutObjectAcl'], ['s3:List*'],
    ['s3:DeleteObject'], ['s3:Get*', 's3:Describe*'], ['s3:PutObject']
];

/* a statement that never applies to the benchmark request */
function filler(i, layer) {
    const st = {
        Sid: `${layer}${i}`,
        Effect: i % 10 === 9 ? 'Deny' : 'Allow',
        Action: ACTIONS[i % ACTIONS.length]
    };

    if (layer === 'identity') {
        st.Resource = i % 2
            ? `arn:aws:s3:::gen-bucket-${i}/prefix-${i % 97}/*`
            : `arn:aws:s3:${REGION}:${OWNER}:accesspoint/gen-ap-${i}/object/*`;
    } else if (layer === 'bucket') {
        st.Principal = { AWS: `arn:aws:iam::${CALLER}:role/gen-role-${i}` };
        st.Resource = [`arn:aws:s3:::${BUCKET}/gen-${i}/*`,
                       `arn:aws:s3:::${BUCKET}/shared-${i % 13}/*`];
    } else {
        st.Principal = { AWS: [`arn:aws:iam::${CALLER}:role/gen-role-${i}`,
                               `arn:aws:iam::${OWNER}:user/gen-user-${i}`] };
        st.Resource = `${AP}/object/gen-${i % 50}/*`;
    }

    switch (i % 4) {
    case 1:
        st.Condition = { StringEquals: {
            'aws:PrincipalTag/team': `team-${i}` } };
        break;
    case 2:
        st.Condition = { IpAddress: {
            'aws:SourceIp': [`10.${i % 250}.0.0/16`, '192.0.2.0/24'] } };
        break;
    case 3:
        st.Condition = { StringLike: {
            's3:prefix': [`home/gen-${i}/*`] },
            Bool: { 'aws:SecureTransport': 'true' } };
        break;
    default:
        break;
    }

    if (st.Effect === 'Deny') {
        /* a Deny that would apply only to traffic from elsewhere */
        st.Condition = { NotIpAddress: {
            'aws:SourceIp': ['203.0.113.0/24', `10.${i % 250}.0.0/16`] } };
    }

    return st;
}

function policy(statements) {
    return { Version: '2012-10-17', Statement: statements };
}

function main() {
    const n = Number(process.argv[2]);
    const dir = process.argv[3];

    if (!Number.isInteger(n) || n < 4 || !dir) {
        process.stderr.write('usage: gen_pset.js N DIR   (N >= 4)\n');
        process.exit(2);
    }

    const nIdentity = Math.floor(n / 2);
    const nBucket = Math.floor(n / 4);
    const nAp = n - nIdentity - nBucket;
    const identity = [];
    const bucket = [];
    const ap = [];
    let i;

    for (i = 0; i < nIdentity - 1; i++) {
        identity.push(filler(i, 'identity'));
    }
    identity.push({ Sid: 'PutViaAccessPoint', Effect: 'Allow',
                    Action: 's3:PutObject', Resource: `${AP}/object/*` });

    for (i = 0; i < nBucket - 1; i++) {
        bucket.push(filler(i, 'bucket'));
    }
    bucket.push({ Sid: 'DelegateToAccessPoints', Effect: 'Allow',
                  Principal: { AWS: '*' }, Action: '*',
                  Resource: [`arn:aws:s3:::${BUCKET}`,
                             `arn:aws:s3:::${BUCKET}/*`],
                  Condition: { StringEquals: {
                      's3:DataAccessPointAccount': OWNER } } });

    for (i = 0; i < nAp; i++) {
        ap.push(filler(i, 'ap'));
    }

    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'identity.json'),
                     JSON.stringify(policy(identity), null, 2));
    fs.writeFileSync(path.join(dir, 'bucket-policy.json'),
                     JSON.stringify(policy(bucket), null, 2));
    /* saved the way get-access-point-policy prints it */
    fs.writeFileSync(path.join(dir, 'access-point-policy.json'),
                     JSON.stringify({ Policy: JSON.stringify(policy(ap)) },
                                    null, 2));
    fs.writeFileSync(path.join(dir, 'policyset.json'), JSON.stringify({
        description: `generated: ${n} statements`,
        accounts: {
            [CALLER]: { name: 'caller', org_id: 'o-a1b2c3d4e5' },
            [OWNER]: { name: 'owner', org_id: 'o-a1b2c3d4e5' }
        },
        principals: [{
            arn: `arn:aws:iam::${CALLER}:role/lambda-exec-role`,
            unique_id: 'AROAEXAMPLEROLEID0001',
            identity: ['identity.json']
        }],
        buckets: [{ name: BUCKET, account: OWNER,
                    policy: 'bucket-policy.json' }],
        access_points: [{ arn: AP, bucket: BUCKET,
                          network_origin: 'Internet',
                          policy: 'access-point-policy.json' }],
        context: { 'aws:SecureTransport': 'true',
                   'aws:SourceIp': '203.0.113.10' }
    }, null, 2));
}

main();
