#!/usr/bin/perl
# sisimai-classify.pl: baseline for bench-classify.sh.
#
# Parses every file named on the command line (mbox, single .eml, or Maildir/)
# with Sisimai 4.25 (Debian: apt-get install libsisimai-perl) and prints how
# many messages were read and how many decoded results (Sisimai::Data objects,
# one per bounced recipient) were produced.
#
# The loop is Sisimai->make() unrolled (Sisimai 4.25 has make/dump, not the v5
# rise/dump API) so that messages can be counted, not only results: each
# message is read, parsed by Sisimai::Message (all MTA modules, RFC 3464/ARF)
# and turned into Sisimai::Data results with delivered => 1, i.e. the whole
# message is parsed into final results, the same work Sisimai->make does.
#
# usage: sisimai-classify.pl [--repeat N] [--quiet] FILE...
use strict;
use warnings;
use Sisimai;
use Sisimai::Mail;
use Sisimai::Message;
use Sisimai::Data;

my $repeat = 1;
my $quiet  = 0;
while (@ARGV && $ARGV[0] =~ /^--/) {
    my $o = shift @ARGV;
    if    ($o eq '--repeat') { $repeat = shift @ARGV; die "bad --repeat\n" unless defined $repeat && $repeat =~ /^\d+$/ && $repeat > 0 }
    elsif ($o eq '--quiet')  { $quiet = 1 }
    elsif ($o eq '--')       { last }
    else  { die "usage: $0 [--repeat N] [--quiet] FILE...\n" }
}
die "usage: $0 [--repeat N] [--quiet] FILE...\n" unless @ARGV;

my ($nmesg, $nres, $nnone) = (0, 0, 0);
for my $pass (1 .. $repeat) {
    for my $path (@ARGV) {
        my $mail = Sisimai::Mail->new($path) or do { warn "cannot open $path\n"; next };
        while (my $r = $mail->data->read) {
            $nmesg++;
            my $mesg = Sisimai::Message->new('data' => $r);
            unless ($mesg) { $nnone++; next }
            my $data = Sisimai::Data->make('data' => $mesg, 'delivered' => 1,
                                           'origin' => $mail->data->path);
            if ($data && @$data) { $nres += scalar @$data } else { $nnone++ }
        }
    }
}
printf "sisimai %s: messages %d, results %d, messages without result %d\n",
    Sisimai->version, $nmesg, $nres, $nnone unless $quiet;
