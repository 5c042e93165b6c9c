package tools

// Argument descriptions shared by several tools, written for a model.
const (
	descVPN      = "VPN connection id, e.g. vpn-0a1b2c3d4e5f60718. May be omitted when only one connection exists; call list_vpn_connections to see the ids."
	descTunnel   = `Tunnel: "1" or "2" (order of the connection's tunnel options) or the tunnel's outside IP address. Omit for both tunnels.`
	descTimezone = `IANA time zone the times you pass are in, e.g. "Europe/Berlin". Default UTC. Answers give times in UTC and in this zone.`
	descStart    = `Window start: RFC 3339, "YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]" (on the most recent day that has logs), "latest-7d" (back from the newest record) or "now-2h". Default: 24 hours before the newest record.`
	descEnd      = `Window end, same forms as start. Default: the newest record of the connection (plus one second).`
)
