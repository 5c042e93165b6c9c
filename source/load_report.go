package source

import "github.com/vpnlens/vpnlens/vpnlog"

// LoadReport is what a source that reads all its logs when it opens found
// there: the read report (files, records, the malformed records with their
// file, line and reason) and the records it could not attribute to a
// connection.
type LoadReport struct {
	// Source names what was read: the logs directory, or "demo".
	Source string `json:"source"`
	// Report counts what was read; its Malformed list locates the first
	// malformed records (vpnlog keeps the first 100; MalformedCount is
	// exact).
	Report vpnlog.Report `json:"report"`
	// Streams is the number of log streams (connection, tunnel, IKE or BGP)
	// the records fell into.
	Streams int `json:"streams"`
	// Unplaced counts records that name no VPN connection (no
	// logStreamName, file name or resource_id): read, but not attributed
	// to any tunnel.
	Unplaced int64 `json:"unplaced"`
	// SampledFiles counts large files indexed from their first and last
	// records only; SampledNote says what that leaves out of the counts.
	SampledFiles int    `json:"sampled_files,omitempty"`
	SampledNote  string `json:"sampled_note,omitempty"`
}

// LoadReporter is a log source that reads its records once, when it opens
// (the local source: a logs directory or the demo), and so can say
// afterwards what it could not read and where. A source that reads records
// per question (AWS CloudWatch Logs) does not implement it: each answer
// notes the records it could not read.
type LoadReporter interface {
	LoadReport() LoadReport
}

var _ LoadReporter = (*Local)(nil)

// LoadReportURI is the MCP resource that shows a LoadReporter's report
// (package resources serves it); the local source's notes and its startup
// warning point there.
const LoadReportURI = "vpn://load-report"
