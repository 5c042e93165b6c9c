package aws

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// estateFeed is the live feed of an Estate: one Feed per member, on the
// member's own CloudWatch Logs client (its credentials, region, retries
// and request budget), polled in parallel. A member whose poll fails is
// named in the batch's notes and its connections wait for the next poll;
// the others' records go on.
type estateFeed struct {
	e    *Estate
	base FeedConfig

	mu    sync.Mutex
	feeds map[*member]*Feed
}

// Feed implements source.Feeder: inv lists the connections watched.
func (e *Estate) Feed(ctx context.Context, inv source.Inventory, logger *slog.Logger) (source.Feed, error) {
	return e.WatchFeed(ctx, FeedConfig{Inventory: inv, Logger: logger})
}

// WatchFeed is the estate's feed with base's settings (IngestDelay,
// StreamsTTL, Logger; Inventory lists the connections, default the
// estate). Logs, Region and LogGroup come from each member.
func (e *Estate) WatchFeed(ctx context.Context, base FeedConfig) (source.Feed, error) {
	if base.Inventory == nil {
		base.Inventory = e
	}
	if base.Logger == nil {
		base.Logger = e.logger
	}
	return &estateFeed{e: e, base: base, feeds: map[*member]*Feed{}}, nil
}

var _ source.Feeder = (*Estate)(nil)

// Describe implements source.Feed. One account in one region is described
// as a single Source's feed is ("aws eu-central-1"), so that a watch's
// state file stays the same.
func (f *estateFeed) Describe() string {
	e := f.e
	var parts []string
	if e.single() {
		parts = append(parts, e.accounts[0].home)
		if len(e.cfg.Regions) == 1 {
			parts[0] = e.cfg.Regions[0]
		}
		if len(e.accounts) == 1 && e.accounts[0].cfg.RoleARN != "" {
			parts = append(parts, "role "+e.accounts[0].cfg.RoleARN)
		}
	} else {
		for _, a := range e.accounts {
			parts = append(parts, a.label)
		}
		switch {
		case e.cfg.AllRegions:
			parts = append(parts, "regions all")
		case len(e.cfg.Regions) > 0:
			parts = append(parts, "regions "+strings.Join(e.cfg.Regions, ","))
		}
	}
	s := "aws " + strings.Join(parts, " ")
	if e.cfg.Member.LogGroup != "" {
		s += " log-group " + e.cfg.Member.LogGroup
	}
	return s
}

// Complete implements source.Feed.
func (f *estateFeed) Complete() bool { return false }

// Connections implements source.Feed.
func (f *estateFeed) Connections(ctx context.Context) ([]source.Connection, error) {
	return f.base.Inventory.Connections(ctx)
}

// feedOf is the member's feed, made on first use.
func (f *estateFeed) feedOf(ctx context.Context, m *member) (*Feed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fd := f.feeds[m]; fd != nil {
		return fd, nil
	}
	src, err := m.source(ctx, f.e.cfg.Member)
	if err != nil {
		return nil, err
	}
	cfg := f.base
	cfg.Inventory, cfg.Logs, cfg.ClientPaced, cfg.Region, cfg.LogGroup = src, src.LogsClient(), true, src.Region(), src.LogGroup()
	fd, err := NewFeed(ctx, cfg)
	if err != nil {
		return nil, err
	}
	f.feeds[m] = fd
	return fd, nil
}

// Poll implements source.Feed: each member polls its own connections'
// streams (with the cursors of those streams), members in parallel.
func (f *estateFeed) Poll(ctx context.Context, now time.Time, wants []source.Want, cursors map[string]*source.StreamCursor) (*source.Batch, error) {
	type part struct {
		m       *member
		wants   []source.Want
		cursors map[string]*source.StreamCursor
		batch   *source.Batch
		err     error
	}
	out := source.NewBatch()
	var parts []*part
	byMember := map[*member]*part{}
	owner := map[string]*part{} // vpn id → its member's part
	var firstErr error
	for _, w := range wants {
		m, err := f.e.route(ctx, w.Conn.ID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out.Notes = append(out.Notes, "INCOMPLETE: "+w.Conn.ID+" not polled: "+err.Error())
			firstErr = cmpErr(firstErr, err)
			continue
		}
		p := byMember[m]
		if p == nil {
			p = &part{m: m, cursors: map[string]*source.StreamCursor{}}
			byMember[m] = p
			parts = append(parts, p)
		}
		p.wants = append(p.wants, w)
		owner[w.Conn.ID] = p
	}
	// Cursors are keyed "<vpn>_<ip>-<kind>": each member gets its own
	// connections', so that members poll side by side.
	for k, c := range cursors {
		vpn, _, _ := strings.Cut(k, "_")
		if p := owner[vpn]; p != nil {
			p.cursors[k] = c
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, f.e.cfg.Concurrency)
	for _, p := range parts {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				p.err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			fd, err := f.feedOf(ctx, p.m)
			if err == nil {
				p.batch, err = fd.Poll(ctx, now, p.wants, p.cursors)
			}
			p.err = err
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(parts, func(i, j int) bool {
		if parts[i].m.acct.idx != parts[j].m.acct.idx {
			return parts[i].m.acct.idx < parts[j].m.acct.idx
		}
		return parts[i].m.region < parts[j].m.region
	})
	failed := 0
	for _, p := range parts {
		if p.err != nil {
			failed++
			firstErr = cmpErr(firstErr, p.err)
			p.m.acct.mu.Lock()
			g := gapOf(p.m.acct.id, p.m.acct.label, p.m.region, p.err)
			p.m.acct.mu.Unlock()
			out.Notes = append(out.Notes, g.Note())
			continue
		}
		for k, c := range p.cursors {
			cursors[k] = c
		}
		b := p.batch
		out.Events = append(out.Events, b.Events...)
		for k, v := range b.Frontier {
			out.Frontier[k] = v
		}
		for k, v := range b.Calls {
			out.Calls[k] += v
		}
		out.Report.Merge(&b.Report)
		out.Notes = append(out.Notes, b.Notes...)
	}
	if firstErr != nil && failed == len(parts) && len(out.Frontier) == 0 {
		// Nothing could be polled: the failure is the answer.
		return nil, firstErr
	}
	return out, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// Fetch implements source.Feed: the connection's own member reads it.
func (f *estateFeed) Fetch(ctx context.Context, c *source.Connection, from, to time.Time) (*source.Batch, error) {
	m, err := f.e.route(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	fd, err := f.feedOf(ctx, m)
	if err != nil {
		return nil, err
	}
	return fd.Fetch(ctx, c, from, to)
}
