'use strict';
// The facts of the seed incident, in one place, shared by the fake S3
// endpoint, the handlers, run.sh (through `node lib/config.js shell`) and the
// tests. Nothing here talks to the network.

const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

// The two policy sets of the seed incident, relative to the repository root.
// If the policy folders move, this is the only line to change.
const POLICY_SETS = {
    broken: 'policies/seed-incident/broken',
    fixed: 'policies/seed-incident/fixed',
};

// What the Lambda runtime would give the function: region and the role
// session's credentials. The secret is fake; the access key id is what the
// fake S3 endpoint maps back to the principal (see PRINCIPALS below).
const LAMBDA_ENV = {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAE2ELAMBDAEXECROLE',
    AWS_SECRET_ACCESS_KEY: 'e2e/not-a-real-secret/lambda-exec-role',
    AWS_LAMBDA_FUNCTION_NAME: 'upload-fn',
};

// Access key id -> the principal S3 would see for requests signed with it.
// A Lambda function signs as a session of its execution role, named after
// the function.
const PRINCIPALS = {
    AKIAE2ELAMBDAEXECROLE: {
        arn: 'arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn',
        roleArn: 'arn:aws:iam::111122223333:role/lambda-exec-role',
        account: '111122223333',
        secret: LAMBDA_ENV.AWS_SECRET_ACCESS_KEY,
    },
};

// The upload of the write-up: PutObject through a cross-account access point.
const UPLOAD = {
    accessPointArn: 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads',
    key: 'file.txt',
    body: 'hello',
    action: 's3:PutObject',
};
UPLOAD.resourceArn = UPLOAD.accessPointArn + '/object/' + UPLOAD.key;

function policySetDir(name) {
    if (!Object.prototype.hasOwnProperty.call(POLICY_SETS, name)) {
        throw new Error('unknown policy set: ' + name);
    }
    return path.join(REPO_ROOT, POLICY_SETS[name]);
}

module.exports = {
    REPO_ROOT,
    POLICY_SETS,
    LAMBDA_ENV,
    PRINCIPALS,
    UPLOAD,
    policySetDir,
};

// `node lib/config.js shell` prints the values run.sh needs, as shell
// assignments (all values are fixed strings without quotes in them).
if (require.main === module && process.argv[2] === 'shell') {
    const lines = [
        'E2E_POLICIES_BROKEN=\'' + policySetDir('broken') + '\'',
        'E2E_POLICIES_FIXED=\'' + policySetDir('fixed') + '\'',
        'E2E_PRINCIPAL=\'' + PRINCIPALS.AKIAE2ELAMBDAEXECROLE.arn + '\'',
        'E2E_RESOURCE=\'' + UPLOAD.resourceArn + '\'',
        'E2E_ACTION=\'' + UPLOAD.action + '\'',
    ];
    process.stdout.write(lines.join('\n') + '\n');
}
