package watch

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// StateVersion is the layout of the state file; a file of another version
// is refused rather than misread.
const StateVersion = 1

// State is what watch keeps across restarts: how far each stream has been
// read, which incidents were reported (with the root cause last said), and
// the reports not delivered yet. It is small (no log records) and written
// atomically after every change, so a kill at any moment loses nothing and
// makes nothing be said twice.
type State struct {
	Version int       `json:"version"`
	Source  string    `json:"source"` // what was watched, e.g. "aws eu-central-1"
	SavedAt time.Time `json:"saved_at"`
	// Streams: per stream ("<vpn>_<ip>-IKE"), the newest record seen and
	// how far the stream was scanned.
	Streams map[string]*source.StreamCursor `json:"streams"`
	// Connections: per VPN connection, the watermark below which every
	// incident is settled (reported, or history when watching began).
	Connections map[string]*ConnState `json:"connections"`
	// Incidents the watch knows: reported, waiting for the settle delay,
	// or found finished when watching began (history, never reported).
	Incidents map[string]*IncidentState `json:"incidents"`
	// Outbox holds every report not yet delivered to every sink, failed
	// ones included: they are retried, and said, until delivered.
	Outbox []*Delivery `json:"outbox,omitempty"`

	lastSum  [32]byte // of the last state written, to skip unchanged saves
	lastPath string
}

// ConnState is what watch remembers about one connection.
type ConnState struct {
	// DoneBeforeMs: an incident that ended before this and is finished
	// (recovered, or quiet) was dealt with: reported, or history. After a
	// restart it keeps re-read records from being reported again.
	DoneBeforeMs int64 `json:"done_before_ms"`
}

// Incident statuses.
const (
	StatusPending  = "pending"  // seen, waiting for the settle delay
	StatusReported = "reported" // the first report went out
	StatusHistory  = "history"  // already finished when watching began: listed, never reported
)

// IncidentState is what watch last knew and said about an incident.
type IncidentState struct {
	ID              string    `json:"id"`
	VPNConnectionID string    `json:"vpn_connection_id"`
	TunnelIP        string    `json:"tunnel_ip"`
	StartMs         int64     `json:"start_ms"`
	EndMs           int64     `json:"end_ms"`
	Status          string    `json:"status"`
	FirstSeen       time.Time `json:"first_seen"`
	ReportedAt      time.Time `json:"reported_at,omitzero"`
	// Sequence counts the reports sent: 1 for the first, +1 per update.
	Sequence   int     `json:"sequence,omitempty"`
	RootCause  string  `json:"root_cause,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Down       bool    `json:"down,omitempty"`
	Recovered  bool    `json:"recovered,omitempty"`
	Resolved   bool    `json:"resolved,omitempty"` // a session-up incident went quiet
	// Finished: the last update (recovered or resolved) was said; nothing
	// more will be.
	Finished   bool   `json:"finished,omitempty"`
	Severity   string `json:"severity,omitempty"`
	Title      string `json:"title,omitempty"`
	InProgress bool   `json:"already_in_progress,omitempty"` // open when watching began
	// PreviousIDs: ids the incident was reported under before earlier
	// records of it arrived and moved its start.
	PreviousIDs []string `json:"previous_ids,omitempty"`
}

// Delivery is one report on its way to one sink.
type Delivery struct {
	ID            string    `json:"id"` // stable across retries: receivers dedupe on it
	Sink          string    `json:"sink"`
	Report        *Report   `json:"report"`
	CreatedAt     time.Time `json:"created_at"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	// Failed: the fast retries are spent. The report stays here, is
	// retried slowly (and on every start) and has been said to be stuck.
	Failed   bool      `json:"failed,omitempty"`
	FailedAt time.Time `json:"failed_at,omitzero"`
}

// NewState is the state of a first run.
func NewState(src string) *State {
	return &State{Version: StateVersion, Source: src, Streams: map[string]*source.StreamCursor{},
		Connections: map[string]*ConnState{}, Incidents: map[string]*IncidentState{}}
}

// LoadState reads a state file. A missing file is a first run (fresh is
// true); an unreadable or foreign one is an error, never a silent fresh
// start (that would repeat or skip reports).
func LoadState(path, src string) (st *State, fresh bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(src), true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading state file %s: %w", path, err)
	}
	st = &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, false, fmt.Errorf("state file %s is not valid JSON (%v): move it aside to start over (incidents in the look-back window would then be reported again)", path, err)
	}
	if st.Version != StateVersion {
		return nil, false, fmt.Errorf("state file %s has version %d, this vpnlens writes %d: move it aside to start over", path, st.Version, StateVersion)
	}
	if st.Source != "" && src != "" && st.Source != src {
		return nil, false, fmt.Errorf("state file %s belongs to a watch of %q, not %q: pass another --state file", path, st.Source, src)
	}
	if st.Streams == nil {
		st.Streams = map[string]*source.StreamCursor{}
	}
	if st.Connections == nil {
		st.Connections = map[string]*ConnState{}
	}
	if st.Incidents == nil {
		st.Incidents = map[string]*IncidentState{}
	}
	st.Source = src
	return st, false, nil
}

// Save writes the state atomically: a temporary file in the same folder,
// synced, renamed over the old one, and the folder synced. A reader (or a
// crash) sees the old state or the new one, never half of one.
func (st *State) Save(path string, now time.Time) error {
	sort.SliceStable(st.Outbox, func(i, j int) bool { return st.Outbox[i].CreatedAt.Before(st.Outbox[j].CreatedAt) })
	// Unchanged since the last save (a quiet poll): nothing to write.
	saved := st.SavedAt
	st.SavedAt = time.Time{}
	b, err := json.Marshal(st)
	st.SavedAt = saved
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	sum := sha256.Sum256(b)
	if sum == st.lastSum && st.lastPath == path {
		return nil
	}
	st.SavedAt = now.UTC()
	out, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	if err := writeFileAtomic(path, append(out, '\n')); err != nil {
		return err
	}
	st.lastSum, st.lastPath = sum, path
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing state %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("syncing state %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing state %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing state %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a power cut; best effort where unsupported
		d.Close()
	}
	return nil
}
