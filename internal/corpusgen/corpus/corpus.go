// Package corpus generates a large, realistic and deterministic corpus of AWS
// Site-to-Site VPN log records for throughput tests: many connections, two
// tunnels each, an IKE and a BGP stream per tunnel, with the message mix a
// busy account shows, now and then a tunnel that drops and comes back, rare
// configuration errors. Message texts are the documented ones.
//
// By default it writes real density: each tunnel's IKE stream is what a
// tunnel with DPD on logs, the liveness exchange (an IKEv2 INFORMATIONAL
// request and response) about every 10 s while it is up, a CREATE_CHILD_SA
// rekey every 50-56 minutes, now and then an error; each BGP stream a route
// update or UPDATE message about every 15 s (a busy customer gateway). That
// is about 17,300 IKE and 5,800 BGP records a tunnel-day. Options.Sparse
// writes the mix it wrote before: an IKE record about every 20 s, mostly
// CREATE_CHILD_SA negotiation, without the liveness exchange.
//
// It depends on nothing in the module, so any test may use it.
package corpus

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Options shape a corpus. The zero value is usable.
type Options struct {
	Connections int       // VPN connections, two tunnels each; 0 means 40
	Seed        uint64    // same options, same bytes
	Start       time.Time // time of the first records; zero means 2026-06-01 00:00 UTC
	Text        bool      // the text output format instead of JSON
	Gzip        bool      // WriteDir: gzip each file (name ends in .gz)
	// Sparse writes the earlier mix (an IKE record about every 20 s, no
	// liveness exchange) instead of real density; the same options give
	// the same bytes as before real density was the default.
	Sparse bool
}

func (o Options) withDefaults() Options {
	if o.Connections <= 0 {
		o.Connections = 40
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	return o
}

// Summary says what was generated.
type Summary struct {
	Files   int   `json:"files"`
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"` // uncompressed
}

// Stream is one generated log stream.
type Stream struct {
	Name string // "<vpn-id>_<ip>-IKE.log"
	BGP  bool
}

// Generator produces records of every stream in time order per tunnel.
type Generator struct {
	opt     Options
	tunnels []*tunnel
	next    int // tunnel whose turn it is
}

// New returns a generator for opt.
func New(opt Options) *Generator {
	opt = opt.withDefaults()
	g := &Generator{opt: opt}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5ee0))
	startMs := opt.Start.UnixMilli()
	for c := 0; c < opt.Connections; c++ {
		vpn := fmt.Sprintf("vpn-%x%016x", rng.IntN(16), rng.Uint64())
		cgwASN := 64512 + rng.IntN(1000)
		cgwIP := fmt.Sprintf("198.51.%d.%d", rng.IntN(256), 1+rng.IntN(254))
		nPrefixes := 5 + rng.IntN(60)
		prefixes := make([]string, nPrefixes)
		for i := range prefixes {
			prefixes[i] = fmt.Sprintf("10.%d.%d.0/24", c%256, i)
		}
		style := recordStyle(rng.IntN(3))
		for tn := 0; tn < 2; tn++ {
			inside := 4 * (c*2 + tn)
			t := &tunnel{
				vpn:      vpn,
				ip:       fmt.Sprintf("203.0.%d.%d", 113+c/120, 10+(c%120)*2+tn),
				neighbor: fmt.Sprintf("169.254.%d.%d", 10+inside/256, inside%256+1),
				cgwIP:    cgwIP,
				cgwASN:   cgwASN,
				prefixes: prefixes,
				style:    style,
				rng:      rand.New(rand.NewPCG(opt.Seed+uint64(c)*2+uint64(tn), 0x7e1)),
				text:     opt.Text,
				sparse:   opt.Sparse,
			}
			offset := int64(t.rng.IntN(60_000))
			t.ike.clock, t.bgp.clock = startMs+offset, startMs+offset+int64(t.rng.IntN(1000))
			t.msgID = 1 + t.rng.IntN(100)
			g.tunnels = append(g.tunnels, t)
		}
	}
	return g
}

// Streams lists the streams in the order Append uses them (index = stream).
func (g *Generator) Streams() []Stream {
	out := make([]Stream, 0, 2*len(g.tunnels))
	for _, t := range g.tunnels {
		out = append(out, Stream{Name: t.vpn + "_" + t.ip + "-IKE.log"}, Stream{Name: t.vpn + "_" + t.ip + "-BGP.log", BGP: true})
	}
	return out
}

// Append appends the next record (one line, newline included), taking the
// tunnels in turn, and returns the stream it belongs to (an index into
// Streams).
func (g *Generator) Append(b []byte) ([]byte, int) {
	ti := g.next
	g.next = (g.next + 1) % len(g.tunnels)
	b, bgp := g.tunnels[ti].append(b)
	s := 2 * ti
	if bgp {
		s++
	}
	return b, s
}

// Lines returns about size bytes of records of all streams mixed, whole
// lines only. It suits in-memory benchmarks.
func Lines(opt Options, size int) []byte {
	g := New(opt)
	b := make([]byte, 0, size+4096)
	for len(b) < size {
		b, _ = g.Append(b)
	}
	return b
}

// WriteDir writes about size bytes (uncompressed) into dir, one file per
// stream named as AWS names the stream, so readers can infer it.
func WriteDir(dir string, size int64, opt Options) (Summary, error) {
	opt = opt.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, err
	}
	g := New(opt)
	streams := g.Streams()
	type out struct {
		f  *os.File
		zw *gzip.Writer
		w  *bufio.Writer
	}
	outs := make([]out, len(streams))
	var sum Summary
	closeAll := func() error {
		var first error
		for _, o := range outs {
			if o.f == nil {
				continue
			}
			if err := o.w.Flush(); err != nil && first == nil {
				first = err
			}
			if o.zw != nil {
				if err := o.zw.Close(); err != nil && first == nil {
					first = err
				}
			}
			if err := o.f.Close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for i, s := range streams {
		name := s.Name
		if opt.Text {
			name = name[:len(name)-len(".log")] + ".txt"
		}
		if opt.Gzip {
			name += ".gz"
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			closeAll()
			return sum, err
		}
		var w io.Writer = f
		o := out{f: f}
		if opt.Gzip {
			o.zw = gzip.NewWriter(f)
			w = o.zw
		}
		o.w = bufio.NewWriterSize(w, 256<<10)
		outs[i] = o
		sum.Files++
	}
	var line []byte
	for sum.Bytes < size {
		var si int
		line, si = g.Append(line[:0])
		if _, err := outs[si].w.Write(line); err != nil {
			closeAll()
			return sum, err
		}
		sum.Bytes += int64(len(line))
		sum.Records++
	}
	return sum, closeAll()
}

// ParseSize reads "1GB", "200MB", "512KB", "1.5G", "1048576" (bytes).
// Units are powers of 1024.
func ParseSize(s string) (int64, error) {
	num, mult := s, 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"GB", 1 << 30}, {"GiB", 1 << 30}, {"G", 1 << 30}, {"MB", 1 << 20}, {"MiB", 1 << 20}, {"M", 1 << 20}, {"KB", 1 << 10}, {"KiB", 1 << 10}, {"K", 1 << 10}, {"B", 1}} {
		if len(s) > len(u.suffix) && (s[len(s)-len(u.suffix):] == u.suffix || equalFoldASCII(s[len(s)-len(u.suffix):], u.suffix)) {
			num, mult = s[:len(s)-len(u.suffix)], u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number with an optional unit (KB, MB, GB)", s)
	}
	return int64(v * mult), nil
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
