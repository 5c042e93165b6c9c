package aws

import (
	"context"
	"fmt"
	"sync"

	"github.com/vpnlens/vpnlens/source"
)

// progress counts the steps of one long read (FilterLogEvents pages,
// finished stream parts, Logs Insights polls) and reports each to the
// caller's source.Progress. Steps are counted and reported under one lock,
// so what the caller sees only ever increases, even with streams read in
// parallel.
type progress struct {
	ctx   context.Context
	on    bool
	mu    sync.Mutex
	done  int
	total int
}

func newProgress(ctx context.Context, total int) *progress {
	return &progress{ctx: ctx, on: source.HasProgress(ctx), total: total}
}

// step counts one finished step and reports it.
func (p *progress) step(format string, a ...any) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.total > 0 && p.done > p.total {
		p.total = 0 // more steps than foreseen: say "unknown" rather than lie
	}
	source.ReportProgress(p.ctx, p.done, p.total, fmt.Sprintf(format, a...))
}
