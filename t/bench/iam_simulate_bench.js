#!/usr/bin/env node
/*
 * Reference throughput: @cloud-copilot/iam-simulate on the scenario files
 * of ../shared/scenarios (FORMAT.md), in a warm Node process.
 *
 *   node iam_simulate_bench.js SECONDS FILE...
 *
 * Prints one JSON object: scenarios evaluated per second, the number of
 * iam-simulate runs that took, and the scenarios it could not run (those
 * are left out of the comparison; run.sh gives bench_eval the same list).
 *
 * iam-simulate has no access points: a request through one is two runs,
 * the access point side and the bucket side (FORMAT.md, "Evaluation model"),
 * and it counts as one evaluation.  An SSE-KMS scenario adds the KMS call
 * as a further run, as FORMAT.md evaluates it.
 */

'use strict';

const fs = require('fs');
const path = require('path');
const { runSimulation, anonymousPrincipal } =
    require('@cloud-copilot/iam-simulate');

const AP_OBJECT = /^(arn:[^:]+:s3:[^:]*:(\d{12}):accesspoint\/[^/]+)\/object\/(.*)$/;
const AP_ONLY = /^arn:[^:]+:s3:[^:]*:(\d{12}):accesspoint\/[^/]+$/;

function named(docs, prefix) {
    return (docs || []).map((policy, i) => ({ name: prefix + i, policy }));
}

function orgLevels(levels, prefix) {
    return (levels || []).map((level, i) => ({
        orgIdentifier: prefix + i,
        policies: named(level, prefix + i + '-')
    }));
}

function accountOf(arn) {
    const m = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn || '');
    return m ? m[1] : undefined;
}

/* the runs iam-simulate needs for one scenario */
function simulations(sc) {
    const req = sc.request;
    const pol = sc.policies || {};
    const principal = req.principal === 'anonymous'
        ? anonymousPrincipal : req.principal;
    const anon = req.principal === 'anonymous';
    const ctx = Object.assign({}, req.context || {});

    function base(action, resource, account, resourcePolicy, context,
                  withVpce) {
        const sim = {
            request: {
                principal,
                action,
                resource: { resource, accountId: account },
                contextVariables: context
            },
            identityPolicies: anon ? [] : named(pol.identity, 'identity-'),
            serviceControlPolicies: anon ? [] : orgLevels(pol.scp, 'scp-'),
            resourceControlPolicies: orgLevels(pol.rcp, 'rcp-'),
            resourcePolicy: resourcePolicy || undefined
        };
        if (!anon && pol.permissions_boundary) {
            sim.permissionBoundaryPolicies =
                [{ name: 'boundary', policy: pol.permissions_boundary }];
        }
        if (!anon && pol.session) {
            sim.sessionPolicy = pol.session;
        }
        if (withVpce && pol.vpc_endpoint) {
            sim.vpcEndpointPolicies =
                [{ name: 'vpce', policy: pol.vpc_endpoint }];
        }
        return sim;
    }

    const runs = [];
    const ap = AP_OBJECT.exec(req.resource);
    const action = req.action;

    if (action.startsWith('kms:') && pol.kms_key) {
        runs.push(base(action, req.resource, pol.kms_key.account,
                       pol.kms_key.policy, ctx, true));
        return runs;
    }

    if (ap && pol.access_point && pol.bucket) {
        const bucketName = pol.access_point.bucket
            || (pol.bucket.arn || '').replace(/^arn:[^:]+:s3:::/, '');
        runs.push(base(action, req.resource, pol.access_point.account,
                       pol.access_point.policy, ctx, true));
        runs.push(base(action, 'arn:aws:s3:::' + bucketName + '/' + ap[3],
                       pol.bucket.account, pol.bucket.policy, ctx, true));
    } else if (AP_ONLY.test(req.resource) && pol.access_point && pol.bucket) {
        runs.push(base(action, req.resource, pol.access_point.account,
                       pol.access_point.policy, ctx, true));
        runs.push(base(action, pol.bucket.arn, pol.bucket.account,
                       pol.bucket.policy, ctx, true));
    } else {
        const account = (pol.bucket && pol.bucket.account)
            || req.resource_account || accountOf(req.resource)
            || accountOf(req.principal) || '000000000000';
        runs.push(base(action, req.resource, account,
                       pol.bucket ? pol.bucket.policy : undefined, ctx, true));
    }

    if (pol.kms_key && action.startsWith('s3:')) {
        const kmsAction = pol.kms_key.action
            || (/GetObject/.test(action) ? 'kms:Decrypt'
                                         : 'kms:GenerateDataKey');
        const kctx = Object.assign({}, ctx, pol.kms_key.context || {});
        runs.push(base(kmsAction, pol.kms_key.arn, pol.kms_key.account,
                       pol.kms_key.policy, kctx, false));
    }

    return runs;
}

function loadScenarios(files) {
    const out = [];
    for (const file of files) {
        const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        for (const sc of Array.isArray(doc) ? doc : [doc]) {
            out.push({ file, name: sc.name, sims: simulations(sc) });
        }
    }
    return out;
}

async function evaluate(sc) {
    let runs = 0;
    for (const sim of sc.sims) {
        const res = await runSimulation(sim, {});
        runs++;
        if (res.resultType === 'error') {
            return { ok: false, runs, error: res.errors };
        }
    }
    return { ok: true, runs };
}

async function main() {
    const seconds = Number(process.argv[2]);
    const files = process.argv.slice(3);

    if (!(seconds > 0) || files.length === 0) {
        process.stderr.write('usage: iam_simulate_bench.js SECONDS FILE...\n');
        process.exit(2);
    }

    const all = loadScenarios(files);
    const usable = [];
    const skipped = [];

    /* warm-up pass: also finds the scenarios iam-simulate refuses */
    for (const sc of all) {
        const r = await evaluate(sc);
        if (r.ok) {
            usable.push(sc);
        } else {
            skipped.push({ name: sc.name,
                           error: JSON.stringify(r.error).slice(0, 300) });
        }
    }

    if (usable.length === 0) {
        process.stdout.write(JSON.stringify({ error: 'no usable scenario',
                                              skipped }) + '\n');
        process.exit(1);
    }

    /* a second warm pass lets the JIT settle before the clock starts */
    for (const sc of usable) {
        await evaluate(sc);
    }

    let evals = 0;
    let runs = 0;
    const deadline = process.hrtime.bigint()
        + BigInt(Math.round(seconds * 1e9));
    const start = process.hrtime.bigint();
    let now = start;

    while (now < deadline) {
        for (const sc of usable) {
            const r = await evaluate(sc);
            runs += r.runs;
            evals++;
        }
        now = process.hrtime.bigint();
    }

    const elapsed = Number(now - start) / 1e9;

    process.stdout.write(JSON.stringify({
        engine: '@cloud-copilot/iam-simulate',
        version: JSON.parse(fs.readFileSync(path.join(__dirname,
            'node_modules/@cloud-copilot/iam-simulate/package.json'))).version,
        node: process.version,
        scenarios: usable.length,
        evaluations: evals,
        simulation_runs: runs,
        seconds: elapsed,
        evals_per_sec: evals / elapsed,
        runs_per_eval: runs / evals,
        used_files: [...new Set(usable.map((s) => path.resolve(s.file)))],
        skipped
    }) + '\n');
}

main().catch((e) => {
    process.stderr.write(String(e && e.stack || e) + '\n');
    process.exit(1);
});
