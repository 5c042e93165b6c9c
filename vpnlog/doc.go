// Package vpnlog is AWS Site-to-Site VPN log records: reading, parsing and
// classifying them.
//
// ReadRecords, ReadFile and ReadDir stream records out of the shapes AWS
// and its tools produce (JSON lines, pretty-printed JSON, arrays,
// CloudWatch Logs responses, text records, gzip), reporting what they could
// not read (Report). ParseRecord decodes one record into an Event; Classify
// puts it in one of the catalogue's classes (package catalog) and pulls the
// values AWS filled into the message. Stream names (ParseStreamName,
// StreamFromPath) say which connection, tunnel and log a record belongs to.
//
// Reasoning about many records (timelines, incidents, causes) is package
// correlate's. It is pure domain logic: no AWS SDK, no MCP.
package vpnlog
