package Test::Nginx::FallbackClient;

# The HTTP side of the fallback Test::Nginx runner: turns "--- request"
# text into bytes, talks to nginx over a raw TCP socket and splits what
# came back into responses (Content-Length and chunked framing).

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use Time::HiRes qw(sleep);

# "Name: value" lines of --- more_headers as [name, value] pairs.
sub parse_more_headers {
    my ($text) = @_;
    my @headers;

    return \@headers unless defined $text;
    for my $line (split /\n/, $text) {
        next unless $line =~ /\S/;
        next if $line =~ /^\s*#/;
        my ($name, $value) = split /:\s*/, $line, 2;
        push @headers, [$name, $value // ''];
    }
    return \@headers;
}

# Parse "--- request" text: [# comments] METHOD [URI [VERSION]] \n body.
sub parse_request_text {
    my ($text) = @_;

    1 while $text =~ s/^\s*#[^\n]*(?:\n|\z)//;
    $text =~ s/^\s+//;

    my ($line, $body) = split /\n/, $text, 2;
    $line //= '';
    $line =~ s/\r\z//;
    my ($method, $uri, $version) = split ' ', $line;

    return {
        method  => $method // 'GET',
        uri     => $uri // '/',
        version => $version // 'HTTP/1.1',
        body    => $body // '',
    };
}

# Serialize one request the way the real runner does.  Returns
# ($head_bytes, $body_bytes, $method).
# %a: text, headers ([name, value] pairs), connection ('close'|'keep-alive')
sub build_request {
    my (%a) = @_;
    my $req = parse_request_text($a{text});
    my $headers = $a{headers} || [];
    my $has = sub {
        my ($re) = @_;
        return grep { $_->[0] =~ $re } @$headers;
    };
    my $chunked = grep {
        lc($_->[0]) eq 'transfer-encoding' && $_->[1] =~ /^\s*chunked\s*$/i
    } @$headers;

    my $head = "$req->{method} $req->{uri} $req->{version}\r\n";
    $head .= "Host: localhost\r\n" unless $has->(qr/^host$/i);
    $head .= "Connection: $a{connection}\r\n" unless $has->(qr/^connection/i);
    $head .= "$_->[0]: $_->[1]\r\n" for @$headers;

    my $body = $req->{body};
    if (length $body && !$chunked && !$has->(qr/^content-length$/i)) {
        # the computed length goes with a trimmed body, as in the real one
        $body =~ s/^\s+|\s+\z//g;
        $head .= "Content-Length: " . length($body) . "\r\n";
    }
    $head .= "\r\n";

    return ($head, $body, $req->{method});
}

# Send @$pieces ({data, delay}) on a new connection to 127.0.0.1:$port and
# read until the server closes it.  $timeout is the longest idle wait.
# Returns { raw, timed_out, error }.
sub exchange {
    my (%a) = @_;
    my $timeout = $a{timeout};
    my %result = (raw => '', timed_out => 0, error => undef);

    my $sock = IO::Socket::INET->new(
        PeerAddr => $a{host} // '127.0.0.1',
        PeerPort => $a{port},
        Proto    => 'tcp',
        Timeout  => $timeout,
    );
    unless ($sock) {
        $result{error} = "cannot connect to 127.0.0.1:$a{port}: $!";
        return \%result;
    }
    $sock->blocking(0);
    my $select = IO::Select->new($sock);

    local $SIG{PIPE} = 'IGNORE';

  PIECE:
    for my $piece (@{ $a{pieces} }) {
        sleep $piece->{delay} if $piece->{delay};
        my $data = $piece->{data};
        my $off = 0;
        while ($off < length $data) {
            unless ($select->can_write($timeout)) {
                $result{timed_out} = 1;
                last PIECE;
            }
            my $n = syswrite($sock, $data, length($data) - $off, $off);
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                # the server may have answered and closed early: read it
                $result{write_error} = "$!";
                last PIECE;
            }
            $off += $n;
        }
    }

    shutdown($sock, 1) if $a{shutdown} && !$result{timed_out};

    until ($result{timed_out}) {
        unless ($select->can_read($timeout)) {
            $result{timed_out} = 1;
            last;
        }
        my $n = sysread($sock, my $buf, 65536);
        if (!defined $n) {
            next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
            $result{read_error} = "$!";
            last;
        }
        last if $n == 0;
        $result{raw} .= $buf;
    }

    close $sock;
    return \%result;
}

# Take one response off the front of $$buf.  $method decides whether a
# body follows (HEAD).  Returns a hashref:
#   status, proto, headers ([name, value]...), raw_headers, body, raw_body,
#   error (framing problem: a failure), warning (short body), complete
sub take_response {
    my ($buf, $method) = @_;
    my %res = (headers => [], body => '', raw_body => '', raw_headers => '');

    my ($head_end, $sep) = (index($$buf, "\r\n\r\n"), 4);
    ($head_end, $sep) = (index($$buf, "\n\n"), 2) if $head_end < 0;
    if ($head_end < 0) {
        # no complete header: keep what we got for the diagnostics
        $res{raw_headers} = $$buf;
        $res{error} = length $$buf ? 'incomplete response header' : 'no response';
        $$buf = '';
        return \%res;
    }

    my $head = substr($$buf, 0, $head_end + $sep / 2);
    substr($$buf, 0, $head_end + $sep) = '';
    $res{raw_headers} = $head;

    my @lines = split /\r?\n/, $head;
    my $status_line = shift @lines;
    if ($status_line =~ m{^(HTTP/\d+(?:\.\d+)?)\s+(\d{3})\b}) {
        @res{qw(proto status)} = ($1, $2);
    } else {
        $res{error} = "bad status line: $status_line";
    }
    for my $line (@lines) {
        if ($line =~ /^[ \t]+(.*)$/ && @{ $res{headers} }) {
            $res{headers}[-1][1] .= " $1";    # obsolete line folding
        } elsif ($line =~ /^([^:]+?)\s*:\s*(.*?)\s*$/) {
            push @{ $res{headers} }, [$1, $2];
        }
    }

    # an interim 100 Continue precedes the real response
    return take_response($buf, $method)
        if defined $res{status} && $res{status} == 100 && length $$buf;

    my $status = $res{status} // 0;
    if (uc($method // '') eq 'HEAD' || $status =~ /^1/ || $status == 204
        || $status == 304)
    {
        $res{complete} = 1;
        return \%res;
    }

    my $te = header_value(\%res, 'Transfer-Encoding');
    my $length = header_value(\%res, 'Content-Length');

    if (defined $te && lc $te eq 'chunked') {
        _take_chunked_body($buf, \%res);
    } elsif (defined $length && $length =~ /^\s*(\d+)\s*$/) {
        my $want = $1;
        $res{body} = substr($$buf, 0, $want);
        substr($$buf, 0, length $res{body}) = '';
        $res{raw_body} = $res{body};
        if (length $res{body} < $want) {
            $res{warning} = "response body truncated: got "
                . length($res{body}) . " of $want bytes";
        } else {
            $res{complete} = 1;
        }
    } else {
        # no framing: the body runs until the connection closed
        $res{body} = $res{raw_body} = $$buf;
        $$buf = '';
        $res{complete} = 1;
    }
    return \%res;
}

sub _take_chunked_body {
    my ($buf, $res) = @_;
    my $pos = 0;

    while (1) {
        pos($$buf) = $pos;
        unless ($$buf =~ /\G([0-9a-fA-F]+)[^\r\n]*\r\n/gc) {
            $res->{error} = "malformed chunked body: bad chunk size line at"
                . " byte $pos";
            last;
        }
        my $size = hex $1;
        $pos = pos($$buf);

        if ($size == 0) {
            # trailer fields, then the empty line
            pos($$buf) = $pos;
            if ($$buf =~ /\G(?:[^\r\n]+\r\n)*\r\n/gc) {
                $pos = pos($$buf);
                $res->{complete} = 1;
            } else {
                $res->{error} = "malformed chunked body: no end after the last chunk";
            }
            last;
        }

        if (length($$buf) < $pos + $size + 2
            || substr($$buf, $pos + $size, 2) ne "\r\n")
        {
            $res->{body} .= substr($$buf, $pos, $size);
            $res->{error} = "malformed chunked body: chunk of $size bytes"
                . " at byte $pos is truncated or not followed by CRLF";
            $pos = length $$buf;
            last;
        }
        $res->{body} .= substr($$buf, $pos, $size);
        $pos += $size + 2;
    }

    # after a framing error nothing further can be split off
    $pos = length $$buf if defined $res->{error};
    $res->{raw_body} = substr($$buf, 0, $pos);
    substr($$buf, 0, $pos) = '';
}

# Header value looked up case-insensitively; repeated headers joined with
# ", "; undef when absent.
sub header_value {
    my ($res, $name) = @_;
    my @values = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $res->{headers} };
    return @values ? join(', ', @values) : undef;
}

# A TCP port on 127.0.0.1 that nobody listens on right now.
sub free_port {
    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => 0,
        Proto     => 'tcp',
        Listen    => 1,
    ) or return undef;
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

1;
