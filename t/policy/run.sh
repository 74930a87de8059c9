#!/usr/bin/env bash
#
# End-to-end tests of `s3-unmask eval|check|lint` (TAP output).  Drives
# build/s3-unmask (or $S3U): every shared scenario and every policies/
# scenario passes; lint finds each mistake class with FILE:LINE:COLUMN;
# malformed input (bad JSON, wrong types, unknown operators, empty
# Statement, huge and deeply nested documents) fails cleanly and, under
# valgrind, without a leak or a crash; a 10,000-statement set loads fast.
# Exits non-zero on any failure.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
S3U=${S3U:-$BUILD/s3-unmask}
SHARED=${SHARED_SCENARIOS:-$ROOT/../shared/scenarios}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

ok() {      # ok CONDITION-EXIT-STATUS DESCRIPTION
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}

# run CMD...: stdout+stderr in $TMP/out, exit status in $rc
run() {
    "$@" >"$TMP/out" 2>&1
    rc=$?
}

has() {     # has REGEX: the last output matches
    grep -Eq -- "$1" "$TMP/out"
}

VG=()
if command -v valgrind >/dev/null && [ -z "${NO_VALGRIND:-}" ]; then
    VG=(valgrind -q --leak-check=full --error-exitcode=99)
fi

[ -x "$S3U" ] || { echo "Bail out! $S3U not built"; exit 2; }

# --- check ---------------------------------------------------------------

if [ -d "$SHARED" ]; then
    run "$S3U" check "$SHARED"
    ok "$rc" "check: every shared scenario passes"
    total=$(ls "$SHARED"/*.json | wc -l)
    has "^$total passed, 0 failed$"; ok $? "check: $total passed, 0 failed"
    has "^seed-a-ap-policy-omits-role PASS ImplicitDeny access-point-policy$"
    ok $? "check: line format NAME PASS DECISION LAYER"
    has "^seed-b-ap-names-role-bucket-delegates PASS Allow -$"
    ok $? "check: layer - for Allow"
else
    echo "# skipped: no shared scenarios at $SHARED"
fi

run "$S3U" check "$ROOT/policies"
ok "$rc" "check: every policies/ scenario passes"
has "^seed-incident-broken PASS ImplicitDeny access-point-policy$"
ok $? "check: broken set denied at the access point"
has "^seed-incident-fixed PASS Allow -$"; ok $? "check: fixed set allows"
has "^seed-incident-sourceaccount PASS ImplicitDeny bucket-policy$"
ok $? "check: the write-up's bucket policy denies at the bucket"

# a failing scenario: exit 1, FAIL line, counts
sed 's/"decision": "ImplicitDeny"/"decision": "Allow"/; s/"layer": "access-point-policy"/"layer": null/' \
    "$ROOT/policies/seed-incident/broken.json" > "$ROOT/policies/seed-incident/.wrong.tmp.json"
mv "$ROOT/policies/seed-incident/.wrong.tmp.json" "$TMP/wrong.json"
sed -i 's|"policy_set": "broken"|"policy_set": "'"$ROOT"'/policies/seed-incident/broken"|' "$TMP/wrong.json"
run "$S3U" check "$TMP/wrong.json"
[ "$rc" -eq 1 ]; ok $? "check: a wrong expectation exits 1"
has "^seed-incident-broken FAIL ImplicitDeny access-point-policy$"
ok $? "check: FAIL line"
has "^0 passed, 1 failed$"; ok $? "check: 0 passed, 1 failed"

run "$S3U" check --json "$ROOT/policies/seed-incident/broken.json"
ok "$rc" "check --json exits 0"
has '"pass":[[:space:]]*true'; ok $? "check --json: pass member"

run "$S3U" check
[ "$rc" -eq 2 ]; ok $? "check: no argument is a usage error"

run "$S3U" check "$HERE/malformed/scenario-unknown-key.json"
[ "$rc" -eq 2 ]; ok $? "check: a malformed scenario is an input error"
has "scenario-unknown-key.json:7:5: unknown key \"contxt\" in request"
ok $? "check: error names file:line:column"

# --- eval ----------------------------------------------------------------

SESSION=arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn
APOBJ=arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/test.txt

run "$S3U" eval --policies "$ROOT/policies/seed-incident/broken" \
    --principal $SESSION --action s3:PutObject --resource $APOBJ
[ "$rc" -eq 1 ]; ok $? "eval: broken set exits 1"
has "^decision: ImplicitDeny$"; ok $? "eval: decision line"
has "^layer: access-point-policy$"; ok $? "eval: layer line"
has "^closest: .*access-point-policy.json:[0-9]+:[0-9]+ AllowReportingRead: .*principal $SESSION not named"
ok $? "eval: closest statement and what failed"

run "$S3U" eval --policies "$ROOT/policies/seed-incident/fixed" \
    --principal $SESSION --action s3:PutObject --resource $APOBJ --json
ok "$rc" "eval: fixed set exits 0"
has '"decision":[[:space:]]*"Allow"'; ok $? "eval --json: decision"
has '"layer":[[:space:]]*null'; ok $? "eval --json: layer null for Allow"

run "$S3U" eval --policies "$ROOT/policies/seed-incident/sourceaccount" \
    --principal $SESSION --action s3:PutObject --resource $APOBJ
[ "$rc" -eq 1 ]; ok $? "eval: sourceaccount set exits 1"
has "condition StringEquals aws:SourceAccount: key absent"
ok $? "eval: explains the absent aws:SourceAccount"

run "$S3U" eval --policies "$ROOT/policies/seed-incident/bucket-only" \
    --principal $SESSION --action s3:PutObject \
    --resource arn:aws:s3:::my-bucket/x --context aws:SourceIp=198.51.100.1
ok "$rc" "eval: --context accepted"

run "$S3U" eval --policies "$ROOT/policies/seed-incident/fixed" --principal x
[ "$rc" -eq 2 ]; ok $? "eval: missing arguments exit 2"
run "$S3U" eval --policies "$TMP/nowhere" --principal a --action s3:GetObject --resource r
[ "$rc" -eq 2 ]; ok $? "eval: a missing policy set exits 2"

# --- lint ----------------------------------------------------------------

lint_finds() {     # lint_finds FILE REGEX DESCRIPTION
    run "$S3U" lint "$1"
    [ "$rc" -eq 1 ] && has "$2"
    ok $? "lint: $3"
}

L=$HERE/lint
lint_finds "$L/ap-resource-is-bucket.json" \
    '^[^:]+ap-resource-is-bucket.json:11:9: warning: .*Resource "arn:aws:s3:::my-bucket/\*" is not the access point' \
    "access point policy whose Resource is not the access point"
lint_finds "$L/source-account-role.json" \
    '^[^:]+source-account-role.json:9:35: warning: .*aws:SourceArn.*never matches' \
    "aws:SourceArn with a role principal"
lint_finds "$L/allow-notprincipal.json" \
    '^[^:]+allow-notprincipal.json:4:5: error: .*Allow with NotPrincipal' \
    "Allow with NotPrincipal"
lint_finds "$L/public-grant.json" \
    '^[^:]+public-grant.json:4:5: warning: .*public grant' "public grant"
lint_finds "$HERE/malformed/unknown-operator.json" \
    '^[^:]+unknown-operator.json:10:9: error: unknown condition operator "StringEqual"' \
    "unknown operator"
lint_finds "$HERE/malformed/bad-json.json" \
    '^[^:]+bad-json.json:4:51: error: JSON syntax error' "syntax error"
lint_finds "$ROOT/policies/seed-incident/sourceaccount" \
    'sourceaccount/bucket-policy.json:13:11: warning: .*aws:SourceAccount.*never matches' \
    "the write-up's bucket policy (whole policy set)"
run "${VG[@]}" "$S3U" lint "$L/two-broken-statements.json"
[ "$rc" -eq 1 ] \
    && has 'two-broken-statements.json:10:22: error: unknown condition operator "StringEqualsIgnoreCas"' \
    && has 'two-broken-statements.json:18:40: warning: .*aws:SourceAccount' \
    && has 'two-broken-statements.json:22:17: error: Effect must be'
ok $? "lint: every broken statement is reported, the rest is linted"
run "$S3U" lint "$L/clean.json"
ok "$rc" "lint: a clean policy exits 0"
run "$S3U" lint --json "$L/public-grant.json"
[ "$rc" -eq 1 ] && has '"check":[[:space:]]*"public-grant"'
ok $? "lint --json"

# --- malformed input: positions, no crash, no leak -----------------------

python3 - "$TMP" <<'PY'
import sys, json
d = sys.argv[1]
open(d + "/deep.json", "w").write("[" * 100000 + "]" * 100000)
open(d + "/deep-object.json", "w").write('{"Statement":' + '{"a":' * 5000 + '1' + '}' * 5001)
with open(d + "/huge.json", "w") as f:
    f.write('{"Version": "2012-10-17", "Statement": [')
    f.write(",".join(['{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%0200d"}' % i
                      for i in range(150000)]))
    f.write("]}")
PY

malformed() {     # malformed FILE REGEX DESCRIPTION
    run "${VG[@]}" "$S3U" lint "$1"
    [ "$rc" -eq 1 ] && has "$2"
    ok $? "malformed: $3 (exit $rc)"
}

M=$HERE/malformed
malformed "$M/bad-json.json" 'bad-json.json:4:51: error: JSON syntax error' "bad JSON"
malformed "$M/wrong-type.json" 'wrong-type.json:6:17: error: Action must be a string' "wrong type"
malformed "$M/unknown-operator.json" 'unknown-operator.json:10:9: error: unknown condition operator' "unknown operator"
malformed "$M/empty-statement.json" 'empty-statement.json:3:16: error: Statement is empty' "empty Statement"
malformed "$M/bad-cidr.json" 'bad-cidr.json:8:[0-9]+: error: .*10.0.0.0/33' "bad CIDR"
malformed "$M/wrapped-bad.json" 'wrapped-bad.json:2:[0-9]+: error: unknown condition operator "IpAdress"' "error inside an AWS CLI wrapper"
malformed "$TMP/deep.json" 'deep.json:1:65: error: nesting deeper than 64' "100,000-deep array"
malformed "$TMP/deep-object.json" 'deep-object.json:1:[0-9]+: error: nesting deeper' "5,000-deep object"
run "$S3U" lint "$TMP/huge.json"
[ "$rc" -eq 1 ] && has 'huge.json:1:1: error: document of [0-9]+ bytes exceeds the limit'
ok $? "malformed: a document over the size limit"

mkdir -p "$TMP/set"
cp "$M/wrong-type.json" "$TMP/set/bucket.json"
cat > "$TMP/set/policyset.json" <<'JSON'
{
  "buckets": [
    { "name": "b", "account": "222233334444", "policy": "bucket.json" },
    { "name": "c", "account": "222233334444", "policy": "missing.json" }
  ]
}
JSON
run "${VG[@]}" "$S3U" eval --policies "$TMP/set" --principal anonymous --action s3:GetObject --resource arn:aws:s3:::b/k
[ "$rc" -eq 2 ] && has 'set/bucket.json:4:5: statement has no Principal'
ok $? "malformed: a bad policy in a set names its file:line:column"
cp "$L/clean.json" "$TMP/set/bucket.json"
run "$S3U" eval --policies "$TMP/set" --principal anonymous --action s3:GetObject --resource arn:aws:s3:::b/k
[ "$rc" -eq 2 ] && has 'set/policyset.json:4:57: policy file "missing.json": cannot open'
ok $? "malformed: a missing policy file names the manifest position"
printf '{\n  "buckets": [ { "name": "b", "acount": "1" } ]\n}\n' > "$TMP/set/policyset.json"
run "$S3U" eval --policies "$TMP/set" --principal anonymous --action s3:GetObject --resource arn:aws:s3:::b/k
[ "$rc" -eq 2 ] && has 'policyset.json:2:31: unknown key "acount" in a bucket'
ok $? "malformed: unknown manifest key"

# --- scale: a 10,000-statement policy set loads in under a second --------

python3 - "$TMP" <<'PY'
import sys, json, os
d = sys.argv[1] + "/big"
os.makedirs(d, exist_ok=True)
stmts = [{"Sid": "S%d" % i, "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::222233334444:role/r%d" % i},
          "Action": ["s3:GetObject", "s3:PutObject"],
          "Resource": "arn:aws:s3:::big/p%d/*" % i,
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
         for i in range(10000)]
json.dump({"Version": "2012-10-17", "Statement": stmts}, open(d + "/bucket.json", "w"))
json.dump({"buckets": [{"name": "big", "account": "222233334444", "policy": "bucket.json"}]},
          open(d + "/policyset.json", "w"))
PY
# how fast is ./build.sh bench's business; here: the last statement is found
run "$S3U" eval --policies "$TMP/big" --principal arn:aws:sts::222233334444:assumed-role/r9999/s \
    --action s3:PutObject --resource arn:aws:s3:::big/p9999/k --context aws:PrincipalOrgID=o-a1b2c3d4e5
[ "$rc" -eq 0 ]
ok $? "scale: a 10,000-statement set loads and its last statement allows"

echo "1..$n"
[ "$failed" -eq 0 ]
