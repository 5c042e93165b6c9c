package fakes3

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// streamLines is one stream file of a --logs-dir folder: its lines as
// logged and each line's record time.
type streamLines struct {
	stream string // the file's name, the CloudWatch stream name ("<vpn>_<ip>-IKE.log")
	lines  []string
	ms     []int64
}

// listFolder names the stream files of a --logs-dir folder (one file per
// stream, "<vpn>_<ip>-IKE.log", gzipped or not, as testdata/demo holds)
// and its other files.
func listFolder(dir string) (streams, others []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		stream := strings.TrimSuffix(e.Name(), ".gz")
		if _, ok := vpnlog.ParseStreamName(stream); ok && strings.HasSuffix(stream, ".log") {
			streams = append(streams, e.Name())
		} else {
			others = append(others, e.Name())
		}
	}
	return streams, others, nil
}

// readStream reads one stream file: its lines as logged and each line's
// record time (a line without one, the time of the line before).
func readStream(dir, name string) (*streamLines, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	stream, zipped := strings.CutSuffix(name, ".gz")
	if zipped {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	sl := &streamLines{stream: stream}
	byLine := map[int]int64{}
	var rep vpnlog.Report
	err = vpnlog.ReadRecords(bytes.NewReader(data), vpnlog.ReadOptions{Name: stream, MaxInflatedBytes: -1, Now: func() time.Time { return time.Now().AddDate(10, 0, 0) }}, &rep,
		func(ev *vpnlog.Event) error { byLine[ev.Line] = ev.TimeMs; return nil })
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	last := int64(0)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if ms, ok := byLine[n]; ok {
			last = ms
		}
		sl.lines = append(sl.lines, sc.Text())
		sl.ms = append(sl.ms, last)
	}
	return sl, nil
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// PutExportTask stores a --logs-dir folder as CloudWatch Logs' export to
// S3 writes it: <prefix>/aws-logs-write-test ("Permission Check
// Successful"), and per stream <prefix>/<taskID>/<stream>/000000.gz,
// 000001.gz, … of at most perPart records (0 = one part), each line
// "<RFC 3339 time with milliseconds> <record as logged>". The folder's
// other files (vpn-connections.json) are stored under the prefix, as a
// user would put them beside, unless named in skip. It returns the keys.
func (s *Server) PutExportTask(bucketName, prefix, dir, taskID string, perPart int, skip ...string) ([]string, error) {
	streams, others, err := listFolder(dir)
	if err != nil {
		return nil, err
	}
	at := func(rel string) string { return path.Join(prefix, rel) }
	var keys []string
	put := func(key string, data []byte) {
		s.Put(bucketName, key, data, time.Time{})
		keys = append(keys, key)
	}
	put(at("aws-logs-write-test"), []byte("Permission Check Successful"))
	for _, name := range streams {
		sl, err := readStream(dir, name)
		if err != nil {
			return nil, err
		}
		n := perPart
		if n <= 0 {
			n = len(sl.lines)
		}
		for part, i := 0, 0; i < len(sl.lines); part, i = part+1, i+n {
			var b bytes.Buffer
			for j := i; j < min(i+n, len(sl.lines)); j++ {
				b.WriteString(time.UnixMilli(sl.ms[j]).UTC().Format("2006-01-02T15:04:05.000Z"))
				b.WriteByte(' ')
				b.WriteString(sl.lines[j])
				b.WriteByte('\n')
			}
			put(at(fmt.Sprintf("%s/%s/%06d.gz", taskID, sl.stream, part)), gz(b.Bytes()))
		}
	}
	if err := s.putOthers(bucketName, prefix, dir, others, skip, put); err != nil {
		return nil, err
	}
	return keys, nil
}

// Vended says how PutVendedDelivery names objects.
type Vended struct {
	Account, Service, Region string
	// Hive writes the Hive-compatible path (aws-account-id=…, region=…,
	// year=…), as enableHiveCompatiblePath does.
	Hive bool
	// Name is an object's file name from its stream ("<vpn>_<ip>-IKE.log")
	// and hour; nil is "<account>_<service>_<stream>_<yyyymmddThhmmZ>.log.gz".
	Name func(stream string, hour time.Time) string
}

// PutVendedDelivery stores a --logs-dir folder as vended log delivery to
// S3 writes objects: under <prefix>/AWSLogs/<account>/<service>/<region>/
// <yyyy>/<MM>/<dd>/<HH>/ (prefix "" for the default path), one gzipped
// object of JSON lines per stream and hour. Other files are stored under
// the prefix unless named in skip. It returns the keys.
func (s *Server) PutVendedDelivery(bucketName, prefix, dir string, v Vended, skip ...string) ([]string, error) {
	streams, others, err := listFolder(dir)
	if err != nil {
		return nil, err
	}
	name := v.Name
	if name == nil {
		name = func(stream string, hour time.Time) string {
			return fmt.Sprintf("%s_%s_%s_%s.log.gz", v.Account, v.Service, strings.TrimSuffix(stream, ".log"), hour.Format("20060102T1504Z"))
		}
	}
	var keys []string
	put := func(key string, data []byte) {
		s.Put(bucketName, key, data, time.Time{})
		keys = append(keys, key)
	}
	for _, file := range streams {
		sl, err := readStream(dir, file)
		if err != nil {
			return nil, err
		}
		hours := map[time.Time]*bytes.Buffer{}
		for i, line := range sl.lines {
			h := time.UnixMilli(sl.ms[i]).UTC().Truncate(time.Hour)
			if hours[h] == nil {
				hours[h] = &bytes.Buffer{}
			}
			hours[h].WriteString(line)
			hours[h].WriteByte('\n')
		}
		order := make([]time.Time, 0, len(hours))
		for h := range hours {
			order = append(order, h)
		}
		sort.Slice(order, func(i, j int) bool { return order[i].Before(order[j]) })
		for _, h := range order {
			var dir string
			if v.Hive {
				dir = fmt.Sprintf("AWSLogs/aws-account-id=%s/%s/region=%s/year=%s/month=%s/day=%s/hour=%s", v.Account, v.Service, v.Region,
					h.Format("2006"), h.Format("01"), h.Format("02"), h.Format("15"))
			} else {
				dir = fmt.Sprintf("AWSLogs/%s/%s/%s/%s", v.Account, v.Service, v.Region, h.Format("2006/01/02/15"))
			}
			put(path.Join(prefix, dir, name(sl.stream, h)), gz(hours[h].Bytes()))
		}
	}
	if err := s.putOthers(bucketName, prefix, dir, others, skip, put); err != nil {
		return nil, err
	}
	return keys, nil
}

func (s *Server) putOthers(bucketName, prefix, dir string, others, skip []string, put func(string, []byte)) error {
	for _, o := range others {
		if contains(skip, o) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, o))
		if err != nil {
			return err
		}
		put(path.Join(prefix, o), data)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
