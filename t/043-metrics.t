# s3_unmask_metrics: Prometheus text counters kept in shared memory, so
# that two workers add to the same numbers.  A known sequence of requests,
# then the metrics location, read several times (by whichever worker takes
# the connection), must show exactly the counts the sequence makes.

use Test::Nginx::Socket 'no_plan';
use FindBin ();
use File::Spec ();

$ENV{TEST_NGINX_S3U_ROOT} ||= $ENV{S3U_ROOT}
    || File::Spec->rel2abs(File::Spec->catdir($FindBin::Bin, File::Spec->updir));

repeat_each(1);

# Under valgrind nginx runs in one process: its worker processes leak blocks
# of their own (ngx_set_environment, the cycle's connections) that the
# shared suppressions do not cover.  The counts must come out the same.
unless ($ENV{TEST_NGINX_USE_VALGRIND}) {
    workers(2);
    master_on();
}
no_shuffle();

our $SEED = '{"message":"Access Denied","code":"AccessDenied","region":null,'
          . '"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5",'
          . '"statusCode":403,"retryable":false}';

our $XML_DENIED = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
                . '<RequestId>MET1</RequestId></Error>';

# the gateway: one location per kind of upstream answer
our $CONFIG = <<"EOT";
    s3_unmask            on;
    s3_unmask_buffer     1k;
    s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
    s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt;

    location /seed {
        s3_unmask_policies \$TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/seed;
    }
    location /drift {
        s3_unmask_policies \$TEST_NGINX_S3U_ROOT/policies/seed-incident/fixed;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/xml-denied;
    }
    location /message {
        s3_unmask_policies \$TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/message;
    }
    location /noeval {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/xml-denied;
    }
    location /signature {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/signature;
    }
    location /listed {
        s3_unmask_codes SignatureDoesNotMatch;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/signature;
    }
    location /plain {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/plain;
    }
    location /big {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/big;
    }
    location /gzipped {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/gzipped;
    }
    location /ok {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/ok;
    }

    location = /metrics {
        s3_unmask_metrics;
    }

    location /backend/ {
        s3_unmask off;
        default_type application/json;

        location = /backend/seed { return 500 '$::SEED'; }
        location = /backend/xml-denied {
            default_type application/xml;
            return 500 '$::XML_DENIED';
        }
        location = /backend/message {
            return 500 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::my-bucket/file.txt" because no identity-based policy allows the s3:PutObject action';
        }
        location = /backend/signature {
            default_type application/xml;
            return 500 '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>';
        }
        location = /backend/plain { return 500 'upstream exploded'; }
        location = /backend/big { return 500 '@{[ 'x' x 2000 ]}'; }
        location = /backend/gzipped {
            add_header Content-Encoding gzip always;
            return 500 '$::XML_DENIED';
        }
        location = /backend/ok { return 200 'fine'; }
    }
EOT

# what the metrics location must say after the sequence of TEST 2
our $AFTER = <<'EOT';
# HELP s3_unmask_inspected_total Upstream error responses held and read.
# TYPE s3_unmask_inspected_total counter
s3_unmask_inspected_total 8
# HELP s3_unmask_rewritten_total Responses whose status was restored.
# TYPE s3_unmask_rewritten_total counter
s3_unmask_rewritten_total 6
# HELP s3_unmask_passed_through_total Selected responses sent on unchanged, by reason.
# TYPE s3_unmask_passed_through_total counter
s3_unmask_passed_through_total{reason="over_limit"} 1
s3_unmask_passed_through_total{reason="compressed"} 1
s3_unmask_passed_through_total{reason="unparseable"} 1
s3_unmask_passed_through_total{reason="not_in_memory"} 0
s3_unmask_passed_through_total{reason="upstream_aborted"} 0
# HELP s3_unmask_denials_total Authorization denials found in upstream bodies.
# TYPE s3_unmask_denials_total counter
s3_unmask_denials_total{code="AccessDenied",service="s3",layer="identity",source="message"} 1
s3_unmask_denials_total{code="AccessDenied",service="s3",layer="access-point-policy",source="evaluator"} 2
s3_unmask_denials_total{code="AccessDenied",service="s3",layer="unknown",source="evaluator"} 1
s3_unmask_denials_total{code="AccessDenied",service="s3",layer="unknown",source="none"} 1
# HELP s3_unmask_s3_errors_total S3 errors other than denials found in upstream bodies.
# TYPE s3_unmask_s3_errors_total counter
s3_unmask_s3_errors_total{code="SignatureDoesNotMatch"} 2
# HELP s3_unmask_evaluations_total Policy-set evaluations of denials.
# TYPE s3_unmask_evaluations_total counter
s3_unmask_evaluations_total 3
# HELP s3_unmask_drift_total Denials the policy set on file would have allowed.
# TYPE s3_unmask_drift_total counter
s3_unmask_drift_total 1
EOT

run_tests();

__DATA__

=== TEST 1: before any request every counter is there, at zero
--- config eval: $::CONFIG
--- request
GET /metrics
--- response_headers
Content-Type: text/plain; version=0.0.4; charset=utf-8
--- response_body
# HELP s3_unmask_inspected_total Upstream error responses held and read.
# TYPE s3_unmask_inspected_total counter
s3_unmask_inspected_total 0
# HELP s3_unmask_rewritten_total Responses whose status was restored.
# TYPE s3_unmask_rewritten_total counter
s3_unmask_rewritten_total 0
# HELP s3_unmask_passed_through_total Selected responses sent on unchanged, by reason.
# TYPE s3_unmask_passed_through_total counter
s3_unmask_passed_through_total{reason="over_limit"} 0
s3_unmask_passed_through_total{reason="compressed"} 0
s3_unmask_passed_through_total{reason="unparseable"} 0
s3_unmask_passed_through_total{reason="not_in_memory"} 0
s3_unmask_passed_through_total{reason="upstream_aborted"} 0
# HELP s3_unmask_denials_total Authorization denials found in upstream bodies.
# TYPE s3_unmask_denials_total counter
# HELP s3_unmask_s3_errors_total S3 errors other than denials found in upstream bodies.
# TYPE s3_unmask_s3_errors_total counter
# HELP s3_unmask_evaluations_total Policy-set evaluations of denials.
# TYPE s3_unmask_evaluations_total counter
s3_unmask_evaluations_total 0
# HELP s3_unmask_drift_total Denials the policy set on file would have allowed.
# TYPE s3_unmask_drift_total counter
s3_unmask_drift_total 0



=== TEST 2: a known sequence over two workers, then the counters, read three times
--- config eval: $::CONFIG
--- request eval
[
    "PUT /seed\nhello",
    "PUT /seed\nhello",
    "PUT /drift\nhello",
    "PUT /message\nhello",
    "PUT /noeval\nhello",
    "GET /signature",
    "GET /listed",
    "GET /plain",
    "GET /big",
    "GET /gzipped",
    "GET /ok",
    "GET /metrics",
    "GET /metrics",
    "GET /metrics",
]
--- error_code eval
[403, 403, 403, 403, 403, 500, 403, 500, 500, 500, 200, 200, 200, 200]
--- response_body eval
[
    $::SEED, $::SEED, $::XML_DENIED,
    qr/^botocore/, $::XML_DENIED,
    qr/SignatureDoesNotMatch/, qr/SignatureDoesNotMatch/,
    'upstream exploded', qr/^x{2000}$/, $::XML_DENIED, 'fine',
    $::AFTER, $::AFTER, $::AFTER,
]



=== TEST 3: the metrics location answers GET and HEAD only
--- config eval: $::CONFIG
--- request
POST /metrics
x
--- error_code: 405



=== TEST 4: s3_unmask_metrics is a location directive
--- http_config
    s3_unmask_metrics;
--- config
    location /t { return 200; }
--- must_die
--- error_log
"s3_unmask_metrics" directive is not allowed here
