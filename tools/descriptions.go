package tools

// regionPattern is the form of an AWS region name (eu-central-1,
// us-gov-west-1), checked with the other arguments.
const regionPattern = `^[a-z]{2}(-[a-z]+)+-[0-9]$`

// Argument descriptions shared by several tools, written for a model.
const (
	descVPN      = "VPN connection id, e.g. vpn-0a1b2c3d4e5f60718. May be omitted when only one connection exists; call list_vpn_connections to see the ids."
	descRegion   = `Optional AWS region of the connection, e.g. "eu-west-1". Omit it: vpnlens finds a connection by its id in every account and region it reads. Give it to look in a region vpnlens was not started with, or to pick between connections of the same name.`
	descTunnel   = `Tunnel: "1" or "2" (order of the connection's tunnel options) or the tunnel's outside IP address. Omit for both tunnels.`
	descTimezone = `IANA time zone the times you pass are in, e.g. "Europe/Berlin". Default UTC. Answers give times in UTC and in this zone.`
	descStart    = `Window start: RFC 3339, "YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]" (on the most recent day that has logs), "latest-7d" (back from the newest record) or "now-2h". Default: 24 hours before the newest record.`
	descEnd      = `Window end, same forms as start. Default: the newest record of the connection (plus one second).`
)
