package main

import "strings"

// cliWording rewords a message of the tools package for the command line.
// Those messages are written for an assistant calling MCP tools: they name
// tool arguments (vpn_connection_id, window_minutes) and other tools ("call
// list_vpn_connections"). On the command line the same advice names flags.
// Every such rewording is in this one function.
func cliWording(msg string) string {
	// A time argument's error starts with the argument's name.
	for _, arg := range []string{"at", "start", "end"} {
		if rest, ok := strings.CutPrefix(msg, arg+": "); ok {
			msg = "--" + arg + ": " + rest
			break
		}
	}
	return strings.NewReplacer(
		// Which connection: the message lists the known ids already.
		"pass vpn_connection_id, one of:", "pass --vpn with one of:",
		" (call list_vpn_connections)", "",
		"? list_vpn_connections shows it)", "?)",
		// Arguments named in advice.
		"pass one of those times as `at`", "pass one of those times as --at",
		"or widen window_minutes", "or widen --window-minutes",
		"narrow start/end", "narrow --start/--end",
		"pass a start before the end", "pass a --start before the --end",
		"record pass start \"", "record pass --start \"",
		"pass end \"", "pass --end \"",
		" and end \"", " and --end \"",
		"(or omit end)", "(or omit --end)",
		// The generic argument checks.
		`argument "at" is required`, "--at is required",
		`argument "message" is empty`, "the record to classify is empty",
		`argument "vpn_connection_id"`, "--vpn",
		`argument "window_minutes"`, "--window-minutes",
		`argument "anomalies_only"`, "--anomalies-only",
		`argument "collapse"`, "--collapse",
		`argument "tunnel"`, "--tunnel",
		`argument "timezone"`, "--timezone",
		`argument "start"`, "--start",
		`argument "end"`, "--end",
		`argument "at"`, "--at",
	).Replace(msg)
}
