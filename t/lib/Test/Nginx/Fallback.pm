package Test::Nginx::Fallback;

# The block runner of the fallback Test::Nginx::Socket: for each Test::Base
# block it writes a server root and nginx.conf, starts nginx, sends the
# block's request(s) repeat_each() times, and turns the expectations into
# Test::More assertions with the same counts as CPAN's Test::Nginx.
#
# Settings made by the .t file (repeat_each(), no_shuffle(), ...) live in
# %Config; Test::Nginx::Socket is the public face that sets them.

use strict;
use warnings;

use Cwd ();
use File::Path ();
use File::Spec;
use List::Util qw(shuffle);
use POSIX ();
use Time::HiRes qw(sleep);
use Test::More ();

# Test::LongString gives the better diff of long bodies; plain is() will do
my $HAVE_LONGSTRING = eval { require Test::LongString; 1 };

use Test::Nginx::FallbackServer;
use Test::Nginx::FallbackClient;

sub _env {
    my ($name, $default) = @_;
    my $value = $ENV{$name};
    return defined $value && length $value ? $value : $default;
}

our %Config = (
    binary                => _env('TEST_NGINX_BINARY', 'nginx'),
    port                  => _env('TEST_NGINX_SERVER_PORT', _env('TEST_NGINX_PORT', 1984)),
    servroot              => File::Spec->rel2abs(_env('TEST_NGINX_SERVROOT', 't/servroot')),
    repeat_each           => 1,
    shuffle               => !_env('TEST_NGINX_NO_SHUFFLE'),
    log_level             => undef,    # log_level(); else env, else debug
    workers               => 1,
    master_process        => 0,
    worker_connections    => 64,
    env_to_nginx          => [],
    no_root_location      => 0,
    timeout               => _env('TEST_NGINX_TIMEOUT'),
    no_long_string        => 0,
    check_accum_error_log => 0,
    valgrind              => _env('TEST_NGINX_USE_VALGRIND'),
    log_sleep             => 3 * _env('TEST_NGINX_SLEEP', 0.015),
);

# TEST_NGINX_RANDOMIZE: a free port and a server root of its own, so that
# several scripts can run at once (prove -j); the root goes at the end.
if (_env('TEST_NGINX_RANDOMIZE')) {
    $Config{port} = Test::Nginx::FallbackClient::free_port()
        or die "TEST_NGINX_RANDOMIZE: no free port on 127.0.0.1\n";
    $Config{servroot} = File::Spec->rel2abs("t/servroot_$Config{port}");
    $Config{remove_servroot} = 1;
}
$Config{client_port} = _env('TEST_NGINX_CLIENT_PORT', $Config{port});

# Visible to configs and to eval sections, as in the real runner.
$ENV{TEST_NGINX_SERVER_PORT} = $Config{port};
$ENV{TEST_NGINX_SERVER_ROOT} = $Config{servroot};

our @BlockPreprocessors;

# Environment names always passed through to nginx (its workers drop the
# rest of the environment).
my @FIXED_ENV = qw(LD_PRELOAD LD_LIBRARY_PATH ASAN_OPTIONS);

# The nginx currently running, so END and signals can stop it.
my $Running;

END {
    my $status = $?;
    $Running->stop(1) if $Running;
    File::Path::remove_tree($Config{servroot}) if $Config{remove_servroot};
    $? = $status;
}

sub timeout_default {
    return $Config{timeout} // ($Config{valgrind} ? 10 : 3);
}

sub start_timeout { $Config{valgrind} ? 60 : 10 }
sub stop_grace    { $Config{valgrind} ? 30 : 5 }

sub bail_out {
    my ($message) = @_;
    if ($Running) {
        $Running->stop(1);
        $Running = undef;
    }
    Test::More::BAIL_OUT($message);
}

# The value of a block section, or undef (Test::Base accessors return an
# empty list for a missing section, which would shift argument lists).
sub section {
    my ($block, $name) = @_;
    my $value = $block->$name;
    return $value;
}

sub resolve_binary {
    my $binary = $Config{binary};
    return File::Spec->rel2abs($binary) if $binary =~ m{/};
    for my $dir (File::Spec->path, '/usr/sbin', '/usr/local/nginx/sbin') {
        my $path = "$dir/$binary";
        return $path if -f $path && -x _;
    }
    return undef;
}

sub load_modules {
    my @modules = split ' ', _env('TEST_NGINX_LOAD_MODULES', '');
    # nginx resolves relative paths against the prefix (the server root);
    # the user meant the current directory
    return map { -e $_ ? File::Spec->rel2abs($_) : $_ } @modules;
}

sub valgrind_settings {
    return undef unless $Config{valgrind};
    my @suppressions = split ' ', _env('TEST_NGINX_VALGRIND_SUPPRESS', '');
    @suppressions = ('t/valgrind.suppress')
        if !@suppressions && -f 't/valgrind.suppress';
    return { suppressions => [map { File::Spec->rel2abs($_) } @suppressions] };
}

sub run_tests {
    my (@blocks) = @_;

    Test::More::plan('no_plan') unless Test::More->builder->has_plan;

    my $binary = resolve_binary()
        // bail_out("cannot find nginx '$Config{binary}': set TEST_NGINX_BINARY or PATH");
    if ($Config{valgrind} && !resolve_program('valgrind')) {
        bail_out("TEST_NGINX_USE_VALGRIND is set but valgrind is not installed");
    }

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
    }
    @blocks = shuffle(@blocks) if $Config{shuffle};

    # stop nginx also when the run is interrupted (or its reader went away)
    my $on_signal = sub {
        $Running->stop(1) if $Running;
        $Running = undef;
        POSIX::_exit(255);
    };
    local @SIG{qw(INT TERM HUP PIPE)} = ($on_signal) x 4;

    my $state = { binary => $binary, prev_config => undef, prev_request => undef };
    run_block($state, $_) for @blocks;
}

sub resolve_program {
    my ($name) = @_;
    return grep { -x "$_/$name" } File::Spec->path;
}

# One block: its own server root and nginx, its requests repeat_each() times.
sub run_block {
    my ($state, $block) = @_;
    my $ctx = {
        block      => $block,
        desc       => "$0 " . $block->name,
        rand_ports => {},
    };

    return if skip_block($state, $ctx);

    my $config = section($block, 'config');
    $config = $state->{prev_config} unless defined $config;
    bail_out("$ctx->{desc} - no --- config section, and no earlier block to"
        . " reuse one from") unless defined $config;
    $state->{prev_config} = $config;

    my $conf_text = render_block_conf($ctx, $config);
    my $files = user_files($ctx);

    return run_must_die($state, $ctx, $conf_text, $files) if defined section($block, 'must_die');

    my $server = launch($state, $ctx, $conf_text, $files, valgrind_settings());
    my $logs = {
        error  => { path => $server->error_log_path,  offset => 0 },
        access => { path => $server->access_log_path, offset => 0 },
    };
    my ($exchanges, $multi) = plan_exchanges($state, $ctx);
    $ctx->{multi} = $multi;

    for my $rep (0 .. $Config{repeat_each} - 1) {
        $ctx->{rep} = $rep;
        my $req_idx = 0;
        for my $exchange (@$exchanges) {
            my $responses = run_exchange($ctx, $exchange);
            for my $i (0 .. $#$responses) {
                check_response($ctx, $responses->[$i], $req_idx + $i);
            }
            # let log-phase lines land, as the real runner does
            sleep $Config{log_sleep} if checks_logs($block);
            my $lines = read_new_lines($logs->{error});
            my $access = read_new_lines($logs->{access});
            for my $i (0 .. $#$responses) {
                check_logs($ctx, $lines, $access, $req_idx + $i);
            }
            $req_idx += @$responses;
        }
    }

    finish_server($ctx, $server, $logs);
}

# "--- skip_nginx: N: OP x.y.z" and "--- skip_eval: N: perl code" turn a
# block into N skips per repetition when the condition holds.
sub skip_block {
    my ($state, $ctx) = @_;
    my $block = $ctx->{block};
    my ($count, $why);

    if (defined(my $spec = section($block, 'skip_nginx'))) {
        my ($n, $op, $version) = $spec =~ /^\s*(\d+)\s*:\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)*)\s*$/
            or bail_out("$ctx->{desc} - bad --- skip_nginx '$spec' (want 'N: OP x.y.z')");
        my $have = nginx_version($state);
        my $cmp = version_cmp($have, $version);
        my %holds = ('<' => $cmp < 0, '<=' => $cmp <= 0, '>' => $cmp > 0,
                     '>=' => $cmp >= 0, '==' => $cmp == 0);
        ($count, $why) = ($n, "nginx $have $op $version") if $holds{$op};
    }
    if (!defined $count && defined(my $spec = section($block, 'skip_eval'))) {
        my ($n, $code) = $spec =~ /^\s*(\d+)\s*:\s*(.*)$/s
            or bail_out("$ctx->{desc} - bad --- skip_eval '$spec' (want 'N: perl code')");
        ($count, $why) = ($n, "skip_eval: $code") if eval_in_main($ctx, $code, 'skip_eval');
    }
    return 0 unless defined $count;

    Test::More->builder->skip("$ctx->{desc} - $why") for 1 .. $count * $Config{repeat_each};
    return 1;
}

sub nginx_version {
    my ($state) = @_;
    return $state->{nginx_version} //= do {
        my $out = `"$state->{binary}" -v 2>&1`;
        $out =~ m{nginx/(\d+(?:\.\d+)*)} ? $1 : '0';
    };
}

sub version_cmp {
    my ($a, $b) = @_;
    my @a = split /\./, $a;
    my @b = split /\./, $b;
    while (@a || @b) {
        my $d = (shift(@a) // 0) <=> (shift(@b) // 0);
        return $d if $d;
    }
    return 0;
}

sub checks_logs {
    my ($block) = @_;
    return grep { defined section($block, $_) }
        qw(error_log no_error_log grep_error_log access_log no_access_log);
}

sub render_block_conf {
    my ($ctx, $config) = @_;
    my $block = $ctx->{block};
    my $user = $ENV{TEST_NGINX_WORKER_USER};
    $user //= 'root' if $> == 0;

    return Test::Nginx::FallbackServer->render_conf(
        root               => $Config{servroot},
        port               => $Config{port},
        workers            => $Config{workers},
        master_process     => $Config{master_process},
        log_level          => section($block, 'log_level') // $Config{log_level}
                              // _env('TEST_NGINX_LOG_LEVEL', 'debug'),
        error_log_file     => expand_env($ctx, section($block, 'error_log_file'), 'error_log_file'),
        env                => [@FIXED_ENV, @{ $Config{env_to_nginx} }],
        load_modules       => [load_modules()],
        main_config        => expand_env($ctx, section($block, 'main_config'), 'main_config'),
        http_config        => expand_env($ctx, section($block, 'http_config'), 'http_config'),
        config             => expand_env($ctx, $config, 'config'),
        post_main_config   => expand_env($ctx, section($block, 'post_main_config'), 'post_main_config'),
        server_name        => section($block, 'server_name'),
        no_root_location   => $Config{no_root_location},
        worker_connections => $Config{worker_connections},
        event_type         => _env('TEST_NGINX_EVENT_TYPE'),
        user               => $user,
    );
}

# $TEST_NGINX_FOO -> $ENV{TEST_NGINX_FOO}; TEST_NGINX_RAND_PORT_<n> is a
# free port, the same for every use within one block.  nginx variables
# such as $server_port are left alone.
sub expand_env {
    my ($ctx, $text, $section) = @_;
    return $text unless defined $text && !ref $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{env_value($ctx, $1, $section)}ge;
    return $text;
}

sub env_value {
    my ($ctx, $name, $section) = @_;

    if ($name =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
        return $ctx->{rand_ports}{$name} //= Test::Nginx::FallbackClient::free_port()
            // bail_out("$ctx->{desc} - cannot find a free port for \$$name");
    }
    my $value = $ENV{$name};
    bail_out("$ctx->{desc} - --- $section uses \$$name, but that environment"
        . " variable is not set") unless defined $value;
    return $value;
}

# Expected values may also name the port the Perl way.
sub expand_ports {
    my ($text) = @_;
    return $text unless defined $text && !ref $text;
    $text =~ s/\$ServerPortForClient\b/$Config{client_port}/g;
    $text =~ s/\$ServerPort\b/$Config{port}/g;
    return $text;
}

# "--- user_files": ">>> name [touch-time]" lines, or an eval'd
# [[name, content, time], ...].
sub user_files {
    my ($ctx) = @_;
    my $spec = section($ctx->{block}, 'user_files');
    my @files;

    return [] unless defined $spec;

    if (ref $spec eq 'ARRAY') {
        @files = map { { name => $_->[0], content => $_->[1], mtime => $_->[2] } } @$spec;
    } else {
        for my $line (split /^/m, $spec) {
            if ($line =~ /^>>>\s+(\S+)(?:\s+(\S+))?\s*$/) {
                push @files, { name => $1, mtime => $2, content => '' };
                next;
            }
            bail_out("$ctx->{desc} - --- user_files must start with a '>>> name' line")
                unless @files;
            $files[-1]{content} .= $line;
        }
    }

    $_->{content} = expand_env($ctx, $_->{content} // '', 'user_files') for @files;
    return \@files;
}

sub new_server {
    my ($state, $valgrind) = @_;
    return Test::Nginx::FallbackServer->new(
        binary   => $state->{binary},
        root     => $Config{servroot},
        port     => $Config{port},
        valgrind => $valgrind,
    );
}

# Lay out the server root and start nginx; returns the server and the
# outcome of waiting for it: ('ready'), ('exited', $status), ('timeout').
sub start_nginx {
    my ($state, $ctx, $conf_text, $files, $valgrind) = @_;
    my $server = new_server($state, $valgrind);
    my $err = $server->prepare_root
        // $server->write_user_files($files)
        // $server->write_conf($conf_text)
        // $server->start;

    bail_out("$ctx->{desc} - $err") if defined $err;
    $Running = $server;
    my @outcome = $server->wait_ready(start_timeout());
    $Running = undef unless $outcome[0] eq 'ready';
    return ($server, @outcome);
}

# Start nginx for a normal block; not starting stops the whole run, like
# the real runner, but at once instead of after 30 s of retries.
sub launch {
    my ($state, $ctx, $conf_text, $files, $valgrind) = @_;
    my ($server, $outcome, $status) = start_nginx(@_);

    return $server if $outcome eq 'ready';

    my $why = $outcome eq 'timeout'
        ? "nginx did not start listening within " . start_timeout() . " s"
        : "nginx exited with " . describe_status($status) . " instead of starting";
    Test::More::diag("$ctx->{desc}: $why");
    Test::More::diag("command: " . $server->command);
    Test::More::diag("  $_") for startup_complaints($server);
    bail_out("$ctx->{desc} - $why (see $Config{servroot}/logs/)");
}

sub describe_status {
    my ($status) = @_;
    return "signal " . ($status & 127) if $status & 127;
    return "exit code " . ($status >> 8);
}

# What nginx said when it would not start: alerts of the error log and
# anything it printed.
sub startup_complaints {
    my ($server) = @_;
    my @lines = grep { /\[(?:emerg|alert|crit|error)\]/ }
        @{ read_new_lines({ path => $server->error_log_path, offset => 0 }) };
    push @lines, @{ read_new_lines({ path => $server->stderr_path, offset => 0 }) };
    my %seen;
    return grep { !$seen{$_}++ } @lines;
}

# "--- must_die": nginx must refuse to start; no request is sent.
sub run_must_die {
    my ($state, $ctx, $conf_text, $files) = @_;
    my $block = $ctx->{block};
    my $want = section($block, 'must_die');

    for my $rep (0 .. $Config{repeat_each} - 1) {
        $ctx->{rep} = $rep;
        my ($server, $outcome, $status) = start_nginx($state, $ctx, $conf_text, $files, undef);
        my $name = "$ctx->{desc} - die as expected";

        if ($outcome eq 'ready') {
            $server->stop(stop_grace());
            $Running = undef;
            Test::More::ok(0, $name);
            Test::More::diag("nginx started, but the block has --- must_die");
        } elsif ($outcome eq 'timeout') {
            Test::More::ok(0, $name);
            Test::More::diag("nginx neither started nor exited within " . start_timeout() . " s");
        } elsif ($want =~ /^\s*\d+\s*$/) {
            my $got = $status & 127 ? describe_status($status) : $status >> 8;
            Test::More::is($got, $want + 0, $name);
        } else {
            Test::More::ok($status != 0, $name)
                or Test::More::diag("nginx exited with status 0");
        }

        my $lines = read_new_lines({ path => $server->error_log_path, offset => 0 });
        push @$lines, @{ read_new_lines({ path => $server->stderr_path, offset => 0 }) }
            unless Test::Nginx::FallbackServer::knows_e_option($state->{binary});
        check_logs($ctx, $lines, [], 0);
    }
}

sub parse_timeout {
    my ($ctx, $value) = @_;
    return $1 / 1000 if $value =~ /^\s*(\d+(?:\.\d*)?)\s*ms\s*$/;
    return $1 if $value =~ /^\s*(\d+(?:\.\d*)?)\s*s?\s*$/;
    bail_out("$ctx->{desc} - bad --- timeout '$value' (want N, Ns or Nms)");
}

# What to send: a list of exchanges (one connection each) of
#   { pieces => [{data, delay}], methods => [one per expected response] }
# and whether the expectations are per-request arrays.
sub plan_exchanges {
    my ($state, $ctx) = @_;
    my $block = $ctx->{block};

    if (defined(my $pipelined = section($block, 'pipelined_requests'))) {
        my @texts = map { expand_env($ctx, $_, 'pipelined_requests') }
            ref $pipelined eq 'ARRAY' ? @$pipelined : ($pipelined);
        my ($data, @methods) = ('');
        for my $i (0 .. $#texts) {
            my ($head, $body, $method) = Test::Nginx::FallbackClient::build_request(
                text       => $texts[$i],
                headers    => request_headers($ctx, $i),
                connection => $i == $#texts ? 'close' : 'keep-alive',
            );
            $data .= $head . $body;
            push @methods, $method;
        }
        return ([{ pieces => [{ data => $data }], methods => \@methods }], 1);
    }

    if (defined(my $raw = section($block, 'raw_request'))) {
        my @parts = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        my $delay = section($block, 'raw_request_middle_delay');
        my @pieces = map {
            { data => $parts[$_], delay => $_ > 0 ? $delay : undef }
        } 0 .. $#parts;
        my ($method) = join('', @parts) =~ /^\s*(\S+)/;
        return ([{ pieces => \@pieces, methods => [$method // 'GET'] }], 0);
    }

    my $request = section($block, 'request');
    $request = $state->{prev_request} unless defined $request;
    bail_out("$ctx->{desc} - no --- request, --- raw_request or"
        . " --- pipelined_requests section, and no earlier block to reuse"
        . " a request from") unless defined $request;
    $state->{prev_request} = $request;

    my $multi = ref $request eq 'ARRAY';
    my @requests = $multi ? @$request : ($request);
    my @exchanges = map {
        request_exchange($ctx, $requests[$_], request_headers($ctx, $_))
    } 0 .. $#requests;
    return (\@exchanges, $multi);
}

# --- more_headers of request $i: one text for all, or an array of texts.
sub request_headers {
    my ($ctx, $i) = @_;
    my $more = section($ctx->{block}, 'more_headers');
    $more = $more->[$i] if ref $more eq 'ARRAY';
    return Test::Nginx::FallbackClient::parse_more_headers($more);
}

# One "--- request" entry: a string, or [piece, ...] sent in several writes
# where a piece is a string or { value, delay_before }.
sub request_exchange {
    my ($ctx, $request, $headers) = @_;

    unless (ref $request eq 'ARRAY') {
        my ($head, $body, $method) = Test::Nginx::FallbackClient::build_request(
            text => $request, headers => $headers, connection => 'close');
        return { pieces => [{ data => $head . $body }], methods => [$method] };
    }

    my @parts = map { ref $_ eq 'HASH' ? $_ : { value => $_ } } @$request;
    my $text = join '', map { $_->{value} } @parts;
    my ($head, $body, $method) = Test::Nginx::FallbackClient::build_request(
        text => $text, headers => $headers, connection => 'close');
    my $bytes = $head . $body;

    # Map the piece boundaries of the source text onto the bytes sent: a
    # boundary in the request line stays there (the request line is sent
    # as written), the end of the request line becomes the end of the
    # generated header, and a boundary in the body keeps its body offset.
    my $parsed = Test::Nginx::FallbackClient::parse_request_text($text);
    my $body_start = length($text) - length($parsed->{body});
    my $trimmed = $parsed->{body} =~ /^(\s*)/ && length($body) < length($parsed->{body})
        ? length $1 : 0;
    my ($at, @cuts) = (0);
    for my $part (@parts[0 .. $#parts - 1]) {
        $at += length $part->{value};
        my $cut = $at < $body_start
            ? ($at < length($head) ? $at : length $head)
            : length($head) + _clamp($at - $body_start - $trimmed, 0, length $body);
        push @cuts, $cut;
    }

    my ($from, @pieces) = (0);
    for my $i (0 .. $#parts) {
        my $to = $i < $#parts ? $cuts[$i] : length $bytes;
        $to = $from if $to < $from;
        push @pieces, { data => substr($bytes, $from, $to - $from),
                        delay => $parts[$i]{delay_before} };
        $from = $to;
    }
    return { pieces => \@pieces, methods => [$method] };
}

sub _clamp {
    my ($v, $lo, $hi) = @_;
    return $v < $lo ? $lo : $v > $hi ? $hi : $v;
}

# Send one exchange, report socket trouble, and split the reply into
# as many responses as requests were sent.
sub run_exchange {
    my ($ctx, $exchange) = @_;
    my $block = $ctx->{block};
    my $timeout = defined section($block, 'timeout')
        ? parse_timeout($ctx, section($block, 'timeout')) : timeout_default();
    my $shutdown = section($block, 'shutdown');

    my $result = Test::Nginx::FallbackClient::exchange(
        port     => $Config{client_port},
        pieces   => $exchange->{pieces},
        timeout  => $timeout,
        shutdown => defined $shutdown && $shutdown ne '0' ? 1 : 0,
    );

    if (defined $result->{error}) {
        Test::More::ok(0, "ERROR: $result->{error} - $ctx->{desc}");
    } elsif ($result->{timed_out} && !defined section($block, 'abort')) {
        Test::More::ok(0, "ERROR: client socket timed out - $ctx->{desc}");
        Test::More::diag("no data from nginx for $timeout s; received so far: "
            . length($result->{raw}) . " bytes");
    }

    my $buf = $result->{raw};
    if (defined section($block, 'http09')) {
        return [{ status => 200, headers => [], raw_headers => '',
                  body => $buf, raw_body => $buf, complete => 1 }];
    }

    my @responses = map {
        Test::Nginx::FallbackClient::take_response(\$buf, $_)
    } @{ $exchange->{methods} };

    if (length $buf && @responses == 1 && !defined section($block, 'ignore_response')) {
        warn "WARNING: $ctx->{desc} - " . length($buf)
            . " bytes after the response body were ignored\n";
    }
    return \@responses;
}

# The expectation of $section for request $i: with several requests every
# response expectation must be an array indexed by request.
sub expected {
    my ($ctx, $section, $i) = @_;
    my $value = $ctx->{block}->$section;

    return $value unless defined $value && $ctx->{multi};
    bail_out("$ctx->{desc} - --- $section must be an array with one entry"
        . " per request (use '--- $section eval')") unless ref $value eq 'ARRAY';
    return $value->[$i];
}

sub check_response {
    my ($ctx, $res, $i) = @_;
    my $block = $ctx->{block};
    my $desc = $ctx->{desc};
    my $req = $ctx->{multi} ? " (req $i)" : '';

    return if defined section($block, 'ignore_response');

    if (defined $res->{error} && $res->{error} =~ /^malformed chunked/) {
        Test::More::ok(0, "ERROR: $res->{error} - $desc$req");
    }
    warn "WARNING: $desc - $res->{warning}$req\n" if defined $res->{warning};

    check_status($ctx, $res, $i, $req);

    for my $kind (qw(like unlike)) {
        my $re = expected($ctx, "raw_response_headers_$kind", $i);
        next unless defined $re;
        $re = qr/$re/s unless ref $re eq 'Regexp';
        no strict 'refs';
        &{"Test::More::$kind"}($res->{raw_headers}, $re,
            "$desc - raw resp headers $kind$req");
    }

    my $headers = expected($ctx, 'response_headers', $i);
    if (defined $headers) {
        check_headers($ctx, $res, $headers, 0, $req);
    } elsif (defined($headers = expected($ctx, 'response_headers_like', $i))) {
        check_headers($ctx, $res, $headers, 1, $req);
    }

    check_body($ctx, $res, $i, $req);
}

sub check_status {
    my ($ctx, $res, $i, $req) = @_;
    my $name = "$ctx->{desc} - status code ok$req";
    my $like = expected($ctx, 'error_code_like', $i);

    if (defined $like) {
        return Test::More::like($res->{status} // '', qr/$like/sm, $name);
    }
    my $want = expected($ctx, 'error_code', $i);
    Test::More::is($res->{status}, $want // 200, $name)
        or $res->{error} && Test::More::diag("response: $res->{error}");
}

# "--- response_headers": one assertion per distinct header name; "!Name"
# asserts absence (case-sensitively, on the raw header text).
sub check_headers {
    my ($ctx, $res, $text, $as_regex, $req) = @_;
    my (@names, %want);

    for my $line (split /\n/, $text) {
        $line =~ s/^\s+|\s+$//g;
        next unless length $line;
        my ($name, $value);
        if ($line =~ /^!\s*(.+)$/) {
            ($name, $value) = ($1, undef);
        } else {
            ($name, $value) = split /\s*:\s*/, $line, 2;
            $value = expand_ports($value // '');
        }
        push @names, $name unless exists $want{$name};
        $want{$name} = $value;
    }

    for my $name (@names) {
        my $prefix = "$ctx->{desc} - header $name";
        if (!defined $want{$name}) {
            Test::More::unlike($res->{raw_headers}, qr/^\s*\Q$name\E\s*:/m,
                "$prefix not present in the raw headers$req");
            next;
        }
        my $got = Test::Nginx::FallbackClient::header_value($res, $name) // '';
        if ($as_regex) {
            Test::More::like($got, qr/^$want{$name}$/, "$prefix like ok$req");
        } else {
            Test::More::is($got, $want{$name}, "$prefix ok$req");
        }
    }
}

sub check_body {
    my ($ctx, $res, $i, $req) = @_;
    my $block = $ctx->{block};
    my $body = $res->{body} // '';
    my $name = "$ctx->{desc} - response_body";

    my $want = expected($ctx, 'response_body', $i);
    if (!defined $want && defined(my $code = section($block, 'response_body_eval'))) {
        $want = eval_in_main($ctx, $code, 'response_body_eval');
    }

    if (defined $want) {
        if (ref $want eq 'Regexp') {
            return Test::More::like($body, $want, "$name - like$req");
        }
        $want = expand_ports(expand_env($ctx, $want, 'response_body'));
        return Test::More::is($body, $want, "$name - response is expected$req")
            if $Config{no_long_string} || !$HAVE_LONGSTRING;
        return Test::LongString::is_string($body, $want,
            "$name - response is expected$req");
    }

    for my $kind (qw(like unlike)) {
        my $re = expected($ctx, "response_body_$kind", $i);
        next unless defined $re;
        $re = expand_ports($re);
        $re = qr/$re/s unless ref $re eq 'Regexp';
        no strict 'refs';
        return &{"Test::More::$kind"}($body, $re,
            "${name}_$kind - response is expected$req");
    }
    return;
}

sub eval_in_main {
    my ($ctx, $code, $section) = @_;
    my $value = eval "package main; no strict; $code";
    bail_out("$ctx->{desc} - --- $section failed: $@") if $@;
    return $value;
}

# Complete lines appended to a log since the last read (or, with
# check_accum_error_log(), the whole file).
sub read_new_lines {
    my ($log) = @_;
    my $start = $Config{check_accum_error_log} ? 0 : $log->{offset};

    open(my $fh, '<:raw', $log->{path}) or return [];
    seek($fh, $start, 0);
    local $/;
    my $data = <$fh> // '';
    close $fh;

    my $end = rindex($data, "\n");
    return [] if $end < 0;
    $log->{offset} = $start + $end + 1;
    return [split /\n/, substr($data, 0, $end)];
}

sub log_patterns {
    my ($value) = @_;
    return () unless defined $value;
    return @$value if ref $value eq 'ARRAY';
    return ($value) if ref $value eq 'Regexp';
    chomp(my $text = $value);
    return grep { length } split /\n/, $text;
}

sub line_matches {
    my ($line, $pattern) = @_;
    return ref $pattern eq 'Regexp' ? $line =~ $pattern : index($line, $pattern) >= 0;
}

# The error/access log checks that follow every request.
sub check_logs {
    my ($ctx, $lines, $access_lines, $i) = @_;
    my $block = $ctx->{block};
    my $req = " (req $i)";
    my @expected = log_patterns(section($block, 'error_log'));
    my @unwanted = log_patterns(section($block, 'no_error_log'));

    # a must_die block expects nginx's [emerg]
    warn_alerts($ctx, $lines, [@expected, @unwanted,
                               defined section($block, 'must_die') ? '[emerg]' : ()]);

    for my $line (grep { /Assertion .* failed/ } @$lines) {
        Test::More::ok(0, "$ctx->{desc} - nginx hit an assertion: $line$req");
    }

    for my $log (['error.log', $lines, \@expected, \@unwanted],
                 ['access.log', $access_lines,
                  [log_patterns(section($block, 'access_log'))],
                  [log_patterns(section($block, 'no_access_log'))]])
    {
        my ($file, $seen, $want, $dont) = @$log;
        for my $pattern (@$want) {
            Test::More::ok((grep { line_matches($_, $pattern) } @$seen),
                "$ctx->{desc} - pattern \"$pattern\" matches a line in $file$req")
                or Test::More::diag("searched " . scalar(@$seen)
                    . " new lines of $Config{servroot}/logs/$file");
        }
        for my $pattern (@$dont) {
            my @hits = grep { line_matches($_, $pattern) } @$seen;
            Test::More::pass("$ctx->{desc} - pattern \"$pattern\" does not"
                . " match a line in $file$req") unless @hits;
            for my $hit (@hits) {
                Test::More::fail("$ctx->{desc} - pattern \"$pattern\" should not"
                    . " match any line in $file but matches line \"$hit\"$req");
            }
        }
    }

    check_grep_error_log($ctx, $lines, $req);
}

# "--- grep_error_log" + "--- grep_error_log_out": the matched substrings,
# one per line, compared as a whole.
sub check_grep_error_log {
    my ($ctx, $lines, $req) = @_;
    my $block = $ctx->{block};
    my $pattern = section($block, 'grep_error_log');
    my $want = section($block, 'grep_error_log_out');

    return unless defined $pattern && defined $want;

    my $got = '';
    for my $line (@$lines) {
        if (ref $pattern eq 'Regexp') {
            $got .= "$&\n" while $line =~ /$pattern/g;
        } else {
            my $at = 0;
            while (($at = index($line, $pattern, $at)) >= 0) {
                $got .= "$pattern\n";
                $at += length($pattern) || 1;
            }
        }
    }

    $want = $want->[$ctx->{rep}] if ref $want eq 'ARRAY';
    my $name = "$ctx->{desc} - grep_error_log_out$req";
    return Test::More::like($got, $want, $name) if ref $want eq 'Regexp';
    return Test::More::is($got, expand_env($ctx, $want // '', 'grep_error_log_out'), $name);
}

# Alerts of nginx are worth a look even when no test asks for them.
sub warn_alerts {
    my ($ctx, $lines, $patterns) = @_;
    my $asked = join ' ', map { "$_" } @$patterns;

    for my $line (@$lines) {
        next unless $line =~ /\[(alert|crit|emerg)\]/;
        next if index($asked, "[$1]") >= 0 || index($asked, $1) >= 0;
        warn "WARNING: $ctx->{desc} - $line\n";
    }
}

# End of a block: stop nginx, check what it logged while stopping and what
# valgrind found.
sub finish_server {
    my ($ctx, $server, $logs) = @_;
    my $block = $ctx->{block};

    my $early = waitpid($server->pid, POSIX::WNOHANG()) == $server->pid ? $? : undef;
    if (defined $early) {
        $server->{pid} = undef;
        Test::More::ok(0, "$ctx->{desc} - nginx exited during the test with "
            . describe_status($early));
    } else {
        $server->stop(stop_grace());
    }
    $Running = undef;

    my @expected = log_patterns(section($block, 'shutdown_error_log'));
    my @unwanted = log_patterns(section($block, 'no_shutdown_error_log'));
    if (@expected || @unwanted) {
        my $lines = read_new_lines($logs->{error});
        for my $pattern (@expected) {
            Test::More::ok((grep { line_matches($_, $pattern) } @$lines),
                "$ctx->{desc} - pattern \"$pattern\" matches a line in error.log"
                . " at shutdown");
        }
        for my $pattern (@unwanted) {
            my @hits = grep { line_matches($_, $pattern) } @$lines;
            Test::More::ok(!@hits, "$ctx->{desc} - pattern \"$pattern\" does not"
                . " match a line in error.log at shutdown")
                or Test::More::diag(join "\n", map { "matched: $_" } @hits);
        }
    }

    return unless $server->{valgrind};
    my ($errors, $report) = $server->valgrind_findings;
    return unless $errors;
    # only in valgrind mode, and only when failing: one extra assertion
    Test::More::ok(0, "$ctx->{desc} - valgrind reported $errors errors");
    Test::More::diag($report);
}

1;
