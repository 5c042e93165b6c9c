package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// format is the container a scenario's logs come in: every form the
// contract's --logs-dir accepts.
type format string

const (
	fmtJSONLines       format = "json-lines"        // <stream>.log, one JSON record per line (AWS default)
	fmtTextLines       format = "text-lines"        // <stream>.log, IKE and BGP in the `text` output format
	fmtMixed           format = "json-ike-text-bgp" // IKE in JSON, BGP in text (output format set per log)
	fmtGzipLines       format = "json-lines-gzip"   // <stream>.log.gz
	fmtS3Export        format = "s3-export"         // <task>/<stream>/000000.gz, 000001.gz: "<time> <record>" lines
	fmtFilterLogEvents format = "filter-log-events" // `aws logs filter-log-events` output, one file per log group
	fmtGetLogEvents    format = "get-log-events"    // `aws logs get-log-events` output, one file per stream
	fmtPretty          format = "pretty-json"       // multi-line JSON records, as the AWS doc prints them
)

var allFormats = []format{fmtJSONLines, fmtTextLines, fmtMixed, fmtGzipLines, fmtS3Export, fmtFilterLogEvents, fmtGetLogEvents, fmtPretty}

// file is one output file, its path relative to the scenario directory.
type file struct {
	name string
	data []byte
}

// streamRecord is one record of a stream as logged, with the time CloudWatch
// files it under.
type streamRecord struct {
	stream string // CloudWatch stream name, "<vpn>_<ip>-IKE.log"
	ms     int64  // event timestamp (ms)
	line   string // the record as logged, one line
	pretty string // the record pretty-printed (JSON only)
}

// applyFormat sets the tunnels' output formats before anything is rendered,
// so vpn-connections.json tells the truth about them.
func applyFormat(f format, conns []*tunnelsim.Connection) {
	for _, c := range conns {
		for _, tn := range c.Tunnels {
			tn.IKEText = f == fmtTextLines
			tn.BGPText = f == fmtTextLines || f == fmtMixed
		}
	}
}

// streams renders every record of every tunnel, in stream order.
func streams(conns []*tunnelsim.Connection) [][]streamRecord {
	var out [][]streamRecord
	for _, c := range conns {
		for _, tn := range c.Tunnels {
			tn.FinishIKE()
			tunnelsim.SortRecords(tn.BGP)
			var ike, bgp []streamRecord
			for _, r := range tn.IKE {
				sr := streamRecord{stream: tn.StreamName("IKE"), ms: tn.IKETime(r.T).UnixMilli(), pretty: tn.PrettyJSON(r, true)}
				if tn.IKEText {
					sr.line = tn.TextIKELine(r)
				} else {
					sr.line = tn.IKEJSON(r)
				}
				ike = append(ike, sr)
			}
			for _, r := range tn.BGP {
				sr := streamRecord{stream: tn.StreamName("BGP"), ms: r.T.UnixMilli(), pretty: tn.PrettyJSON(r, false)}
				if tn.BGPText {
					sr.line = tunnelsim.TextBGPLine(tn.ResourceID(), r)
				} else {
					sr.line = tn.BGPJSON(r)
				}
				bgp = append(bgp, sr)
			}
			out = append(out, ike, bgp)
		}
	}
	return out
}

// render writes the scenario's log files in its container format.
func render(f format, conns []*tunnelsim.Connection, seed uint64) ([]file, error) {
	var files []file
	all := streams(conns)
	switch f {
	case fmtJSONLines, fmtTextLines, fmtMixed, fmtGzipLines:
		for _, recs := range all {
			if len(recs) == 0 {
				continue
			}
			var buf bytes.Buffer
			for _, r := range recs {
				buf.WriteString(r.line)
				buf.WriteByte('\n')
			}
			name := recs[0].stream
			data := buf.Bytes()
			if f == fmtGzipLines {
				name += ".gz"
				data = gz(data)
			}
			files = append(files, file{name, data})
		}
	case fmtPretty:
		for _, recs := range all {
			if len(recs) == 0 {
				continue
			}
			var buf bytes.Buffer
			for i, r := range recs {
				if i > 0 {
					buf.WriteString("\n")
				}
				buf.WriteString(r.pretty)
				buf.WriteString("\n")
			}
			files = append(files, file{strings.TrimSuffix(recs[0].stream, ".log") + ".json", buf.Bytes()})
		}
	case fmtS3Export:
		// CloudWatch's export to S3 writes <prefix>/<task-id>/<stream>/000000.gz,
		// each line "<RFC 3339 time> <message>"; big streams are cut into parts.
		task := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", seed>>32, seed>>16&0xffff, seed>>4&0xfff, seed>>8&0xfff, seed&0xffffffffffff)
		for _, recs := range all {
			if len(recs) == 0 {
				continue
			}
			half := (len(recs) + 1) / 2
			for part, chunk := range [][]streamRecord{recs[:half], recs[half:]} {
				if len(chunk) == 0 {
					continue
				}
				var buf bytes.Buffer
				for _, r := range chunk {
					buf.WriteString(time.UnixMilli(r.ms).UTC().Format("2006-01-02T15:04:05.000Z"))
					buf.WriteByte(' ')
					buf.WriteString(r.line)
					buf.WriteByte('\n')
				}
				files = append(files, file{fmt.Sprintf("vpn-logs/%s/%s/%06d.gz", task, recs[0].stream, part), gz(buf.Bytes())})
			}
		}
	case fmtGetLogEvents:
		for _, recs := range all {
			if len(recs) == 0 {
				continue
			}
			out := getLogEvents{Events: []cwEvent{}}
			for i, r := range recs {
				out.Events = append(out.Events, cwEvent{Timestamp: r.ms, Message: r.line, IngestionTime: ingestion(r.ms, i)})
			}
			last := recs[len(recs)-1].ms
			out.NextForwardToken = fmt.Sprintf("f/%056d", last)
			out.NextBackwardToken = fmt.Sprintf("b/%056d", recs[0].ms)
			data, err := cliJSON(out)
			if err != nil {
				return nil, err
			}
			files = append(files, file{strings.TrimSuffix(recs[0].stream, ".log") + ".json", data})
		}
	case fmtFilterLogEvents:
		// One call per log group (IKE and BGP logs go to different groups);
		// the CLI merges the pages into one document sorted by time.
		for _, kind := range []string{"IKE", "BGP"} {
			var evs []cwEvent
			var searched []searchedStream
			n := 0
			for _, recs := range all {
				if len(recs) == 0 || !strings.HasSuffix(recs[0].stream, "-"+kind+".log") {
					continue
				}
				searched = append(searched, searchedStream{LogStreamName: recs[0].stream, SearchedCompletely: true})
				for _, r := range recs {
					n++
					evs = append(evs, cwEvent{LogStreamName: recs[0].stream, Timestamp: r.ms, Message: r.line, IngestionTime: ingestion(r.ms, n),
						EventID: fmt.Sprintf("%038d%018d", r.ms, n)})
				}
			}
			sort.SliceStable(evs, func(i, j int) bool { return evs[i].Timestamp < evs[j].Timestamp })
			data, err := cliJSON(filterLogEvents{Events: evs, SearchedLogStreams: searched})
			if err != nil {
				return nil, err
			}
			files = append(files, file{"filter-log-events-" + strings.ToLower(kind) + ".json", data})
		}
	default:
		return nil, fmt.Errorf("unknown format %q", f)
	}
	// Stored gzipped whatever the container, to keep the repository small
	// (the readers detect gzip by its magic bytes).
	for i, fl := range files {
		if !strings.HasSuffix(fl.name, ".gz") {
			files[i] = file{fl.name + ".gz", gz(fl.data)}
		}
	}
	return files, nil
}

// cwEvent is an event as the CLI prints it; get-log-events leaves out the
// stream name and event id.
type cwEvent struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId,omitempty"`
}

type getLogEvents struct {
	Events            []cwEvent `json:"events"`
	NextForwardToken  string    `json:"nextForwardToken"`
	NextBackwardToken string    `json:"nextBackwardToken"`
}

type searchedStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEvents struct {
	Events             []cwEvent        `json:"events"`
	SearchedLogStreams []searchedStream `json:"searchedLogStreams"`
}

// ingestion is when CloudWatch took an event in: a second or two later.
func ingestion(ms int64, i int) int64 { return ms + 400 + int64((i*7919)%1900) }

// cliJSON prints like the AWS CLI: 4-space indent, no HTML escaping.
func cliJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gz compresses with no name and no time in the header, so the output
// depends on the input only.
func gz(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}
