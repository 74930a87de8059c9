package Test::Nginx::FallbackServer;

# The nginx side of the fallback Test::Nginx runner: lays out the server
# root of a block, writes its nginx.conf, runs nginx as a foreground child
# of the test script (optionally under valgrind) and stops and reaps it.
#
# nginx always runs with "daemon off", in its own process group, so that
# the runner can reap it with waitpid() and never leaves a zombie or a
# stray worker behind.

use strict;
use warnings;

use File::Path qw(make_path remove_tree);
use File::Basename qw(dirname);
use File::Spec;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Time::Local qw(timegm);

# Marker left in every server root we create, so that we only ever delete
# a directory that this runner made.
my $ROOT_MARKER = '.test-nginx-fallback';

# Directories of a server root; anything else in it was left by a test.
my %ROOT_ENTRIES = map { $_ => 1 } ($ROOT_MARKER, qw(conf logs html));

sub new {
    my ($class, %args) = @_;

    # binary, root, port, valgrind (undef or {suppressions => [...]})
    return bless { %args, pid => undef, cmd => undef }, $class;
}

sub root    { $_[0]{root} }
sub pid     { $_[0]{pid} }
sub command { $_[0]{cmd} ? join(' ', @{ $_[0]{cmd} }) : '' }

sub error_log_path  { "$_[0]{root}/logs/error.log" }
sub access_log_path { "$_[0]{root}/logs/access.log" }
sub stderr_path     { "$_[0]{root}/logs/stderr.log" }
sub pid_path        { "$_[0]{root}/logs/nginx.pid" }

# Recreate an empty server root: conf/, logs/, html/index.html.
# Returns an error message, or undef on success.
sub prepare_root {
    my ($self) = @_;
    my $root = $self->{root};

    if (-e $root) {
        my $why = _foreign_root_reason($root);
        return $why if defined $why;

        my $errors;
        remove_tree($root, { error => \$errors });
        return "cannot remove server root $root: " . _tree_errors($errors)
            if $errors && @$errors;
    }

    make_path("$root/conf", "$root/logs", "$root/html");
    _write_file("$root/$ROOT_MARKER", "created by the fallback Test::Nginx runner\n");
    _write_file("$root/html/index.html", "It works!\n");
    return undef;
}

# A server root we may delete is empty or carries our marker (nginx's own
# *_temp directories and files a test wrote into html/ are fine).
sub _foreign_root_reason {
    my ($root) = @_;

    return "server root $root exists and is not a directory" unless -d $root;

    opendir(my $dh, $root) or return "cannot read server root $root: $!";
    my @entries = grep { $_ ne '.' && $_ ne '..' } readdir $dh;
    closedir $dh;

    return undef unless @entries;
    return "refusing to delete $root: it was not created by this runner"
        . " (no $ROOT_MARKER file); remove it or set TEST_NGINX_SERVROOT"
        unless -e "$root/$ROOT_MARKER";

    my @stray = grep { !$ROOT_ENTRIES{$_} && !/_(?:temp|cache)$/ } @entries;
    return undef unless @stray;
    return "unexpected files left in server root $root: @stray";
}

sub _tree_errors {
    my ($errors) = @_;
    return join '; ', map { my ($f, $m) = %$_; "$f: $m" } @$errors;
}

# $files: list of { name, content, mtime } (mtime in touch -t format).
# Returns an error message, or undef on success.
sub write_user_files {
    my ($self, $files) = @_;

    for my $file (@$files) {
        my $path = File::Spec->file_name_is_absolute($file->{name})
            ? $file->{name}
            : "$self->{root}/html/$file->{name}";

        make_path(dirname($path));
        my $err = _write_file($path, $file->{content});
        return $err if defined $err;

        next unless defined $file->{mtime};
        my $epoch = touch_time_to_epoch($file->{mtime});
        return "user_files: bad time '$file->{mtime}' for $file->{name}"
            . " (want [[CC]YY]MMDDhhmm[.ss])"
            unless defined $epoch;
        utime($epoch, $epoch, $path)
            or return "user_files: cannot set the time of $path: $!";
    }
    return undef;
}

# touch -t syntax, interpreted in GMT like the real runner (TZ=GMT touch).
sub touch_time_to_epoch {
    my ($spec) = @_;
    my ($digits, $sec) = $spec =~ /^(\d{8}|\d{10}|\d{12})(?:\.(\d\d))?$/
        or return undef;
    my ($year, $rest);

    if (length $digits == 12) {
        ($year, $rest) = (substr($digits, 0, 4), substr($digits, 4));
    } elsif (length $digits == 10) {
        my $yy = substr($digits, 0, 2);
        $year = $yy >= 69 ? 1900 + $yy : 2000 + $yy;
        $rest = substr($digits, 2);
    } else {
        $year = (gmtime)[5] + 1900;
        $rest = $digits;
    }

    my ($mon, $mday, $hour, $min) = unpack 'A2 A2 A2 A2', $rest;
    my $epoch = eval { timegm($sec // 0, $min, $hour, $mday, $mon - 1, $year) };
    return $epoch;
}

sub write_conf {
    my ($self, $text) = @_;
    return _write_file("$self->{root}/conf/nginx.conf", $text);
}

# Build nginx.conf for one block, in the order the real runner uses.
# %c: root port workers master_process log_level error_log_file env
#     load_modules main_config http_config config post_main_config
#     server_name no_root_location worker_connections user event_type
sub render_conf {
    my ($class, %c) = @_;
    my $root = $c{root};
    my $http_config = $c{http_config} // '';
    my $conf = '';

    $conf .= "worker_processes  $c{workers};\n";
    $conf .= "daemon off;\n";
    $conf .= "master_process " . ($c{master_process} ? 'on' : 'off') . ";\n";
    $conf .= "error_log " . ($c{error_log_file} // "$root/logs/error.log")
           . " $c{log_level};\n";
    $conf .= "pid $root/logs/nginx.pid;\n";

    for my $env (@{ $c{env} }) {
        $conf .= "env " . ($env =~ /\s/ ? _quote($env) : $env) . ";\n";
    }
    for my $module (@{ $c{load_modules} }) {
        $conf .= "load_module $module;\n";
    }
    $conf .= _section($c{main_config});

    $conf .= "\nhttp {\n";
    $conf .= "    access_log $root/logs/access.log;\n";
    for my $temp (qw(client_body proxy fastcgi scgi uwsgi)) {
        # a test that sets one itself would get a "duplicate" error
        next if $http_config =~ /\b${temp}_temp_path\b/;
        $conf .= "    ${temp}_temp_path $root/${temp}_temp;\n";
    }
    $conf .= "    default_type text/plain;\n";
    $conf .= "    keepalive_timeout 68000ms;\n";
    $conf .= _section($http_config);
    $conf .= "\n    server {\n";
    # 127.0.0.1 only: the real runner binds all interfaces
    $conf .= "        listen 127.0.0.1:$c{port};\n";
    $conf .= "        server_name " . _quote($c{server_name} // 'localhost') . ";\n";
    $conf .= "        client_max_body_size 30M;\n";
    $conf .= _section($c{config});
    unless ($c{no_root_location}) {
        $conf .= "        location / {\n"
               . "            root $root/html;\n"
               . "            index index.html index.htm;\n"
               . "        }\n";
    }
    $conf .= "    }\n}\n";

    $conf .= _section($c{post_main_config});
    $conf .= "\nevents {\n    accept_mutex off;\n"
           . "    worker_connections $c{worker_connections};\n";
    $conf .= "    use $c{event_type};\n" if $c{event_type};
    $conf .= "}\n";
    $conf .= "user $c{user};\n" if defined $c{user};
    return $conf;
}

sub _section {
    my ($text) = @_;
    return '' unless defined $text && length $text;
    return $text =~ /\n\z/ ? $text : "$text\n";
}

sub _quote {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    return qq{"$s"};
}

sub _write_file {
    my ($path, $content) = @_;
    open(my $fh, '>:raw', $path) or return "cannot write $path: $!";
    print {$fh} $content // '';
    close($fh) or return "cannot write $path: $!";
    return undef;
}

# Does this nginx know "-e file" (1.19.5+)?  Asked once per binary.
my %knows_e_option;

sub knows_e_option {
    my ($binary) = @_;
    return $knows_e_option{$binary} //= do {
        my $help = `"$binary" -h 2>&1`;
        $help =~ /^\s*-e\s/m ? 1 : 0;
    };
}

sub valgrind_command {
    my ($self) = @_;
    my $v = $self->{valgrind} or return ();
    return (
        'valgrind', '--tool=memcheck', '--leak-check=full',
        '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
        '--num-callers=30', '--gen-suppressions=all',
        "--log-file=$self->{root}/logs/valgrind.%p.log",
        map({ "--suppressions=$_" } @{ $v->{suppressions} || [] }),
    );
}

# Fork and exec nginx; returns undef or an error message.
sub start {
    my ($self) = @_;
    my $root = $self->{root};
    my @cmd = (
        $self->valgrind_command,
        $self->{binary}, '-p', "$root/", '-c', "$root/conf/nginx.conf",
        knows_e_option($self->{binary}) ? ('-e', "$root/logs/error.log") : (),
    );

    $self->{cmd} = \@cmd;

    my $pid = fork;
    return "fork failed: $!" unless defined $pid;

    if ($pid == 0) {
        # own process group: a KILL of the group also takes the workers
        setpgrp(0, 0);
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', "$root/logs/stderr.log");
        open(STDERR, '>&', \*STDOUT);
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "cannot exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }

    $self->{pid} = $pid;
    return undef;
}

# Wait until nginx is listening (it writes the pid file only after its
# listening sockets are open), or has exited, or $timeout passed.
# Returns ('ready'), ('exited', $wait_status) or ('timeout').
sub wait_ready {
    my ($self, $timeout) = @_;
    my $deadline = time + $timeout;
    my $pause = 0.002;

    while (1) {
        my $reaped = waitpid($self->{pid}, WNOHANG);
        if ($reaped == $self->{pid}) {
            $self->{pid} = undef;
            return ('exited', $?);
        }

        return ('ready') if $self->_pid_file_written;

        if (time > $deadline) {
            $self->stop(0);
            return ('timeout');
        }
        sleep $pause;
        $pause *= 2 if $pause < 0.05;
    }
}

sub _pid_file_written {
    my ($self) = @_;
    open(my $fh, '<', $self->pid_path) or return 0;
    local $/;
    my $content = <$fh> // '';
    return $content =~ /^\d+\n\z/;
}

# SIGQUIT, wait up to $grace seconds, then SIGKILL the process group.
# Returns the wait status, or undef when nothing was running.
sub stop {
    my ($self, $grace) = @_;
    my $pid = $self->{pid} or return undef;
    my $deadline = time + $grace;

    kill 'QUIT', $pid;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{pid} = undef;
            return $?;
        }
        sleep 0.005;
    }

    kill 'KILL', -$pid;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    $self->{pid} = undef;
    return $?;
}

# Valgrind reports of the last run: (error count, report text).
sub valgrind_findings {
    my ($self) = @_;
    my ($errors, $report) = (0, '');

    for my $log (sort glob("$self->{root}/logs/valgrind.*.log")) {
        open(my $fh, '<', $log) or next;
        local $/;
        my $text = <$fh> // '';
        my $n = 0;
        $n += $1 while $text =~ /ERROR SUMMARY: (\d+) errors/g;
        next unless $n;
        $errors += $n;
        $report .= "==> $log <==\n$text";
    }
    return ($errors, $report);
}

1;
