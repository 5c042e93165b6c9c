package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs one command line in process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const (
	demoVPN = "vpn-0a1b2c3d4e5f60718" // hq-datacenter: tunnel 2 dropped at 20:25:12
	bgpMax  = "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor 169.254.11.2"
)

// The top-level help lists every subcommand with its one-line description.
func TestHelpListsEveryCommand(t *testing.T) {
	root := newRootCommand(nil, nil)
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, errOut := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		for _, name := range []string{"serve", "diagnose", "timeline", "classify", "watch", "version", "completion"} {
			cmd, _, err := root.Find([]string{name})
			if err != nil || cmd.Name() != name {
				t.Fatalf("no %s command: %v", name, err)
			}
			if cmd.Short == "" {
				t.Errorf("%s has no Short description", name)
				continue
			}
			if !regexp.MustCompile(`(?m)^  ` + name + ` +` + regexp.QuoteMeta(cmd.Short) + `$`).MatchString(out) {
				t.Errorf("%v does not list %q with %q:\n%s", args, name, cmd.Short, out)
			}
		}
	}
}

// Every command says what it does at length and shows examples.
func TestEveryCommandHasLongAndExamples(t *testing.T) {
	for _, cmd := range newRootCommand(nil, nil).Commands() {
		if cmd.Name() == "help" {
			continue // cobra's
		}
		if cmd.Long == "" || cmd.Example == "" {
			t.Errorf("%s: Long %q, Example %q", cmd.Name(), cmd.Long, cmd.Example)
		}
	}
}

// A command's help lists only the flags it uses.
func TestHelpListsOnlyUsedFlags(t *testing.T) {
	sourceFlags := []string{"--demo", "--logs-dir", "--logs-s3", "--region", "--profile", "--log-group"}
	for _, tc := range []struct {
		cmd           string
		want, notWant []string
	}{
		{"classify", []string{"--json"}, append([]string{"--vpn", "--tunnel", "--at", "--log-level", "--timezone"}, sourceFlags...)},
		{"watch", []string{"--logs-dir", "--follow", "--region", "--vpn", "--webhook-url"}, []string{"--demo", "--logs-s3", "--json", "--at"}},
		{"diagnose", append([]string{"--vpn", "--tunnel", "--at", "--window-minutes", "--timezone", "--json", "--log-level"}, sourceFlags...), []string{"--start", "--end", "--collapse", "--anomalies-only", "--follow"}},
		{"timeline", append([]string{"--vpn", "--tunnel", "--start", "--end", "--collapse", "--anomalies-only", "--timezone", "--json"}, sourceFlags...), []string{"--at", "--window-minutes", "--follow"}},
		{"serve", append([]string{"--http", "--token-file", "--allow-origin", "--tls-cert", "--tls-key", "--max-body", "--max-sessions", "--call-timeout", "--log-level"}, sourceFlags...), []string{"--vpn", "--json", "--at"}},
	} {
		code, out, errOut := runCLI(t, tc.cmd, "-h")
		if code != exitOK {
			t.Fatalf("%s -h: exit %d: %s", tc.cmd, code, errOut)
		}
		for _, f := range tc.want {
			if !regexp.MustCompile(`(?m)^ .*` + regexp.QuoteMeta(f) + `\b`).MatchString(out) {
				t.Errorf("%s -h lacks %s:\n%s", tc.cmd, f, out)
			}
		}
		for _, f := range tc.notWant {
			if regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(f) + `\b`).MatchString(out) {
				t.Errorf("%s -h lists %s, which it does not use:\n%s", tc.cmd, f, out)
			}
		}
	}
}

// serve's flags keep their defaults.
func TestServeHelpDefaults(t *testing.T) {
	_, out, _ := runCLI(t, "serve", "--help")
	for _, want := range []string{`(default 1MiB)`, `(default 100)`, `(default 1m0s)`, `(default "info")`, "VPNLENS_TOKEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

// Exit codes: 0 ok, 1 the command ran and failed, 2 every bad argument.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"diagnose", []string{"diagnose", "--demo", "--vpn", demoVPN, "--tunnel", "2", "--at", "20:25"}, exitOK, ""},
		{"by name tag", []string{"diagnose", "--demo", "--vpn", "hq-datacenter", "--tunnel", "203.0.113.20", "--at", "2026-06-12 22:25", "--timezone", "Europe/Berlin"}, exitOK, ""},
		{"timeline", []string{"timeline", "--demo", "--vpn", demoVPN, "--start", "20:00", "--end", "21:00", "--anomalies-only"}, exitOK, ""},
		{"classify", []string{"classify", bgpMax}, exitOK, ""},
		{"version", []string{"version"}, exitOK, ""},
		{"--version", []string{"--version"}, exitOK, ""},
		{"unknown vpn", []string{"diagnose", "--demo", "--vpn", "vpn-nope", "--at", "20:25"}, exitUsage, `--vpn: unknown VPN connection "vpn-nope"; known connections: vpn-0a1b2c3d4e5f60718 (hq-datacenter)`},
		{"unknown vpn, timeline", []string{"timeline", "--demo", "--vpn", "vpn-nope"}, exitUsage, `--vpn: unknown VPN connection "vpn-nope"`},
		{"vpn omitted among several", []string{"timeline", "--demo"}, exitUsage, "--vpn: there are 3 VPN connections: pass --vpn with one of"},
		{"bad tunnel", []string{"diagnose", "--demo", "--vpn", demoVPN, "--tunnel", "7", "--at", "20:25"}, exitUsage, `--tunnel: vpn-0a1b2c3d4e5f60718 has no tunnel "7": use "1" or "203.0.113.10", "2" or "203.0.113.20"`},
		{"bad at", []string{"diagnose", "--demo", "--vpn", demoVPN, "--at", "garbage"}, exitUsage, `--at: cannot read time "garbage"`},
		{"missing at", []string{"diagnose", "--demo", "--vpn", demoVPN}, exitUsage, "--at: required"},
		{"bad start", []string{"timeline", "--demo", "--vpn", demoVPN, "--start", "yesterday"}, exitUsage, `--start: cannot read time "yesterday"`},
		{"bad timezone", []string{"diagnose", "--demo", "--vpn", demoVPN, "--at", "20:25", "--timezone", "Mars/Olympus"}, exitUsage, `--timezone: unknown time zone "Mars/Olympus"`},
		{"bad window", []string{"diagnose", "--demo", "--vpn", demoVPN, "--at", "20:25", "--window-minutes", "0"}, exitUsage, "--window-minutes: must be between 1 and 1440"},
		{"no incident", []string{"diagnose", "--demo", "--vpn", demoVPN, "--at", "2026-06-12T05:00:00Z"}, exitUsage, "pass one of those times as --at"},
		{"empty window", []string{"timeline", "--demo", "--vpn", demoVPN, "--start", "10:00", "--end", "09:00"}, exitUsage, "pass a --start before the --end"},
		{"empty record", []string{"classify", " "}, exitUsage, "the record to classify is empty"},
		{"classify without record", []string{"classify"}, exitUsage, "classify takes one argument"},
		{"unknown flag", []string{"diagnose", "--nope"}, exitUsage, "unknown flag: --nope"},
		{"flag value", []string{"diagnose", "--demo", "--window-minutes", "many"}, exitUsage, `invalid argument "many"`},
		{"stray argument", []string{"timeline", "--demo", "extra"}, exitUsage, `unexpected arguments ["extra"]`},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"no command", nil, exitUsage, "Usage:"},
		{"both sources", []string{"diagnose", "--demo", "--logs-dir", ".", "--at", "20:25"}, exitUsage, "--demo and --logs-dir exclude each other"},
		{"bad log level", []string{"timeline", "--demo", "--log-level", "loud"}, exitUsage, "--log-level"},
		{"missing logs dir", []string{"diagnose", "--logs-dir", "/nonexistent/vpnlens", "--at", "20:25"}, exitFail, "/nonexistent/vpnlens"},
		{"single dash", []string{"diagnose", "--demo", "-vpn", demoVPN}, exitUsage, "unknown flag -vpn: long flags take two dashes: --vpn"},
		{"single dash version", []string{"-version"}, exitUsage, "--version"},
		{"watch --demo", []string{"watch", "--demo"}, exitUsage, "nothing to watch"},
		{"classify --demo", []string{"classify", "--demo", bgpMax}, exitUsage, "classify reads no logs"},
		{"negative connection cap", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--max-unauth-conns", "-1"}, exitUsage, "--max-unauth-conns and --max-auth-failures must not be negative"},
		{"zero read timeout", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--read-timeout", "0s"}, exitUsage, "--read-timeout and --idle-timeout must be positive"},
		{"HTTP limits without --http", []string{"serve", "--demo", "--read-timeout", "5s", "--max-auth-failures", "3"}, exitUsage, "--read-timeout, --max-auth-failures only apply with --http"},
		{"OAuth without --http", []string{"serve", "--demo", "--oauth-issuer", "https://login.example.com"}, exitUsage, "--oauth-issuer only apply with --http"},
		{"OAuth flags without an issuer", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--oauth-scopes", "a", "--oauth-resource", "https://x/mcp"}, exitUsage, "--oauth-resource, --oauth-scopes only apply with --oauth-issuer"},
		{"OAuth issuer over plain HTTP", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--oauth-issuer", "http://login.example.com"}, exitUsage, "http is allowed for loopback hosts only"},
		{"OAuth on every interface without a resource", []string{"serve", "--demo", "--http", "0.0.0.0:0", "--oauth-issuer", "https://login.example.com"}, exitUsage, "give --oauth-resource"},
		{"OAuth with a bad scope", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--oauth-issuer", "https://login.example.com", "--oauth-scopes", `a,b"c`}, exitUsage, `--oauth-scopes "b\"c"`},
		{"bad region", []string{"timeline", "--region", "eu-central-1,Frankfurt", "--vpn", demoVPN}, exitUsage, `--region: "Frankfurt" is not an AWS region name`},
		{"all in a list", []string{"timeline", "--region", "eu-west-1,all", "--vpn", demoVPN}, exitUsage, "--region all reads every enabled region: give it alone"},
		{"external id alone", []string{"timeline", "--region", "eu-west-1", "--external-id", "x", "--vpn", demoVPN}, exitUsage, "--external-id goes with --role-arn"},
		{"bad role arn", []string{"timeline", "--region", "eu-west-1", "--role-arn", "arn:aws:iam::12:user/x", "--vpn", demoVPN}, exitUsage, "is not an IAM role ARN"},
		{"classify --role-arn", []string{"classify", "--role-arn", "x", bgpMax}, exitUsage, "classify reads no logs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
			}
		})
	}
}

// Every bad flag is named in one message.
func TestDiagnoseNamesEveryProblem(t *testing.T) {
	code, out, errOut := runCLI(t, "diagnose", "--demo", "--vpn", "vpn-nope", "--tunnel", "7", "--at", "garbage")
	if code != exitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q; want %d and nothing", code, out, exitUsage)
	}
	want := regexp.MustCompile(`^vpnlens diagnose: 3 problems:
  --vpn: unknown VPN connection "vpn-nope"; known connections: vpn-0a1b2c3d4e5f60718 \(hq-datacenter\), vpn-0c0ffee00d15a5e77 \(dr-site\), vpn-0f9e8d7c6b5a40312 \(branch-frankfurt\)
  --tunnel: "7" is not a tunnel: use "1", "2" or the tunnel's outside IP address
  --at: cannot read time "garbage": use .*
$`)
	if !want.MatchString(errOut) {
		t.Errorf("stderr:\n%s\nwant it to match:\n%s", errOut, want)
	}
}

// The answer in JSON is the structured content as an assistant gets it:
// gateway commands keep their <placeholders>.
func TestJSONKeepsAngleBrackets(t *testing.T) {
	for _, args := range [][]string{
		{"classify", "--json", bgpMax},
		{"diagnose", "--demo", "--json", "--vpn", demoVPN, "--tunnel", "2", "--at", "20:25", "--gateway", "Juniper SRX"},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if strings.Contains(out, `\u003c`) || strings.Contains(out, `\u003e`) || strings.Contains(out, `\u0026`) {
			t.Errorf("%v: JSON escapes < > &:\n%s", args, out)
		}
		if !strings.Contains(out, "<") {
			t.Errorf("%v: no < in the answer; pick a question whose answer has one", args)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%v: stdout is not JSON: %v", args, err)
		}
	}
}

// vpnlens completion SHELL prints the shell's completion script.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_vpnlens", "zsh": "#compdef vpnlens", "fish": "complete -c vpnlens"} {
		code, out, errOut := runCLI(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, %d bytes without %q; stderr %s", shell, code, len(out), want, errOut)
		}
	}
	// The flags complete too: --tunnel offers the tunnel numbers.
	code, out, _ := runCLI(t, "__complete", "diagnose", "--tunnel", "")
	if code != exitOK || !strings.Contains(out, "1\n2\n") {
		t.Errorf("completing --tunnel: exit %d, %q", code, out)
	}
}

// With no source named and no AWS configuration, diagnose and timeline
// answer from the demo and say so.
func TestQuestionsFallBackToTheDemo(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	code, out, errOut := runCLI(t, "diagnose", "--vpn", demoVPN, "--tunnel", "2", "--at", "20:25")
	if code != exitOK || !strings.Contains(errOut, "using the embedded demo data") || !strings.Contains(out, "ike.cgw_delete_ike_sa") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
