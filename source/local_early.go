package source

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// A large folder is indexed in the background (every gzip file inflated
// once, 13 s for 2.4 GiB of records on two cores). A question need not
// wait for all of it: files named after their stream (as AWS names them,
// and as an export keeps them) say whose records they hold, so a question
// about one connection has its own files indexed first and is answered
// from them while the rest of the folder is indexed. A folder with a file
// whose name names no connection is waited for whole: that file may hold
// any connection's records.

// indexQueue hands the files to index to the workers: the files a
// waiting question needs first, then the rest in folder order.
type indexQueue struct {
	mu     sync.Mutex
	jobs   []*indexJob // folder order
	next   int         // the first job in folder order not handed out
	urgent []*indexJob
}

// take hands out the next job to index, nil when none is left.
func (q *indexQueue) take() *indexJob { return q.hand(true) }

// takeUrgent hands out the next job a question waits for, nil when none
// is left.
func (q *indexQueue) takeUrgent() *indexJob { return q.hand(false) }

// hand hands out the next job a question waits for, then (all) the next
// in folder order.
func (q *indexQueue) hand(all bool) *indexJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.urgent) > 0 {
		j := q.urgent[0]
		q.urgent = q.urgent[1:]
		if !j.taken {
			j.taken = true
			return j
		}
	}
	for all && q.next < len(q.jobs) {
		j := q.jobs[q.next]
		q.next++
		if !j.taken {
			j.taken = true
			return j
		}
	}
	return nil
}

// hurry puts js before every other job not handed out yet.
func (q *indexQueue) hurry(js []*indexJob) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.urgent = append(append([]*indexJob(nil), js...), q.urgent...)
}

// earlyFiles returns the indexed files a question about vpn reads, in
// folder order, once they are indexed: early is false when the whole
// index is built (read l.files), or when the folder cannot tell which
// files hold vpn's records (then it waits for the whole index).
func (l *Local) earlyFiles(ctx context.Context, vpn string) (files []*indexedFile, early bool, err error) {
	select {
	case <-l.ready:
		return nil, false, nil
	default:
	}
	var need []*indexJob
	for _, j := range l.jobs {
		switch j.hint.VPNConnectionID {
		case "":
			return nil, false, l.wait(ctx)
		case vpn:
			need = append(need, j)
		}
	}
	l.queue.hurry(need)
	ReportProgress(ctx, 0, 0, "indexing the files of "+vpn+" in "+l.name+" first")
	if l.opt.OnDemand {
		l.indexNow(need)
	}
	for _, j := range need {
		select {
		case <-j.done:
		case <-l.ready:
			return nil, false, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	for _, j := range need {
		files = append(files, j.indexed)
	}
	return files, true, nil
}

// indexNow indexes the jobs of need no worker has taken, in parallel, and
// keeps what it indexed in the cache: on demand, nothing else indexes
// them, and the process may exit once the question is answered.
func (l *Local) indexNow(need []*indexJob) {
	var wg sync.WaitGroup
	var fresh atomic.Bool
	for range min(l.opt.parallel(), len(need)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := l.queue.takeUrgent(); j != nil; j = l.queue.takeUrgent() {
				j.indexed = l.indexFile(l.fsys, j.p, l.shown(j.p), l.opt)
				if l.cache != nil && l.cache.old[j.p] != j.indexed {
					fresh.Store(true)
				}
				close(j.done)
			}
		}()
	}
	wg.Wait()
	if fresh.Load() {
		l.saveIndex()
	}
}

// earlyConnections is the inventory while the folder is indexed: from
// vpn-connections.json, or from the files' names when every name says its
// stream; ok is false when neither tells.
func (l *Local) earlyConnections() ([]Connection, bool) {
	if l.inventoryOK {
		return l.conns, true
	}
	seen := map[vpnlog.StreamID]bool{}
	var ids []vpnlog.StreamID
	for _, j := range l.jobs {
		if j.hint.VPNConnectionID == "" || j.hint.TunnelIP == "" || j.hint.Kind == vpnlog.StreamUnknown {
			return nil, false
		}
		if !seen[j.hint] {
			seen[j.hint] = true
			ids = append(ids, j.hint)
		}
	}
	return InferConnections(ids), true
}

// extentsOf sums files' streams of vpn into extents, sorted by stream.
func extentsOf(files []*indexedFile, vpn string) []Extent {
	by := map[vpnlog.StreamID]*Extent{}
	for _, f := range files {
		for _, s := range f.Streams {
			if s.ID.VPNConnectionID != vpn {
				continue
			}
			first, last := time.UnixMilli(s.First).UTC(), time.UnixMilli(s.Last).UTC()
			e := by[s.ID]
			if e == nil {
				e = &Extent{Stream: s.ID, First: first, Last: last}
				by[s.ID] = e
			}
			if first.Before(e.First) {
				e.First = first
			}
			if last.After(e.Last) {
				e.Last = last
			}
			e.Count += s.Count
		}
	}
	out := make([]Extent, 0, len(by))
	for _, e := range by {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream.String() < out[j].Stream.String() })
	return out
}

// reportOf merges files' reports.
func reportOf(files []*indexedFile) vpnlog.Report {
	rep := vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
	for _, f := range files {
		rep.Merge(&f.Report)
	}
	return rep
}
