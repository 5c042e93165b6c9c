// Package correlate reasons about classified AWS Site-to-Site VPN log
// records (package vpnlog) across time and tunnels: it orders them
// (SortEvents) and collapses repeats into a timeline (BuildTimeline), finds
// incidents, each a tunnel's stretch of trouble until it recovers
// (FindIncidents, IncidentAt), and explains them: root cause, what kept the
// tunnel down, impact and the state of the other tunnels (Diagnose,
// Diagnoser), with the catalogue's advice for a cause (Advise). It also
// reads the time arguments users give (ParseTimeArg, LoadZone, Anchor) and
// writes times back (FormatUTC, FormatMs).
//
// It is pure domain logic: no AWS SDK, no MCP. Sources feed it events;
// tools and the command line render what it returns.
package correlate
